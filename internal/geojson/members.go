package geojson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Members reads the members of the JSON object data, without decoding their values; nothing may follow the
// object. A name that appears more than once keeps its last value. It fails when data is not one JSON object.
func Members(data []byte) (map[string]json.RawMessage, error) {
	o, err := members(data, true, false)
	if err != nil {
		return nil, err
	}
	return o.m, nil
}

// object is the members of a JSON object, with the names that appear more than once.
type object struct {
	m    map[string]json.RawMessage
	dups []string
}

// members reads one JSON object without decoding its values; whole requires nothing to follow it. valid says
// that data is known to be valid JSON.
func members(data []byte, whole, valid bool) (object, error) {
	if valid || json.Valid(data) {
		return split(data)
	}
	return membersSlow(data, whole) // explains the defect
}

// split is members for valid JSON: it finds the extent of each member's value without decoding it.
func split(data []byte) (object, error) {
	o := object{m: map[string]json.RawMessage{}}
	i := skipBlanks(data, 0)
	if i >= len(data) || data[i] != '{' {
		return o, fmt.Errorf("found %s where a JSON object must be", jsonKind(data))
	}
	i = skipBlanks(data, i+1)
	if data[i] == '}' {
		return o, nil
	}
	for {
		end := skipValue(data, i) // the key
		key := string(data[i+1 : end-1])
		if !plainKey(data[i+1 : end-1]) {
			if err := json.Unmarshal(data[i:end], &key); err != nil {
				return o, err
			}
		}
		i = skipBlanks(data, end)
		i = skipBlanks(data, i+1) // past the colon
		end = skipValue(data, i)
		if _, dup := o.m[key]; dup {
			o.dups = append(o.dups, key)
		}
		o.m[key] = json.RawMessage(data[i:end:end])
		i = skipBlanks(data, end)
		if data[i] == '}' {
			return o, nil
		}
		i = skipBlanks(data, i+1) // past the comma
	}
}

// plainKey reports whether a member name's bytes are the name itself: ASCII without escapes.
func plainKey(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

func skipBlanks(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value that starts at data[i].
func skipValue(data []byte, i int) int {
	depth := 0
	for ; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // after a number, true, false or null
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// membersSlow is members token by token, for input that may not be valid JSON.
func membersSlow(data []byte, whole bool) (object, error) {
	o := object{m: map[string]json.RawMessage{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return o, err
	}
	if tok != json.Delim('{') {
		return o, fmt.Errorf("found %s where a JSON object must be", jsonKind(data))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return o, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return o, err
		}
		if _, dup := o.m[key]; dup {
			o.dups = append(o.dups, key)
		}
		o.m[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return o, err
	}
	if whole {
		if _, err := dec.Token(); err != io.EOF {
			return o, fmt.Errorf("data follows the JSON object at byte %d", dec.InputOffset())
		}
	}
	return o, nil
}

func jsonKind(v json.RawMessage) string {
	switch b := bytes.TrimSpace(v); {
	case len(b) == 0:
		return "nothing"
	case b[0] == '"':
		return "a string"
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "an array"
	case b[0] == 't' || b[0] == 'f':
		return "a boolean"
	case b[0] == 'n':
		return "null"
	default:
		return "a number"
	}
}
