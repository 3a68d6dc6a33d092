package landrelease

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status; nothing else picks statuses.
const (
	EINVALID              = "invalid"                // the request is well formed but breaks a rule (422)
	EBADREQUEST           = "bad_request"            // the request cannot be parsed (400)
	ENOTFOUND             = "not_found"              // 404
	ECONFLICT             = "conflict"               // duplicate or conflicting state (409)
	EPRECONDITION         = "precondition_failed"    // stale If-Match or version (412)
	EPRECONDITIONREQUIRED = "precondition_required"  // a write without If-Match or version (428)
	EUNAUTHORIZED         = "unauthorized"           // missing or bad credentials (401)
	EFORBIDDEN            = "forbidden"              // the role may not do this (403)
	ETOOLARGE             = "too_large"              // body or geometry over a limit (413)
	EUNSUPPORTEDMEDIA     = "unsupported_media_type" // 415
	EMETHOD               = "method_not_allowed"     // the resource does not take this method (405)
	ETOOMANY              = "too_many_requests"      // slow down, e.g. repeated failed sign-ins (429)
	EUNAVAILABLE          = "unavailable"            // not ready yet (503)
	EINTERNAL             = "internal"               // 500
)

// Error is the one error type of the application. Message is safe to show to users.
type Error struct {
	Code    string
	Message string
	Details []Detail
	// Err is an underlying cause kept for logs; it is never shown to users.
	Err error
}

// Detail says which feature, which field and why.
type Detail struct {
	Feature *int   `json:"feature,omitempty"` // index of the feature in an upload
	Pointer string `json:"pointer,omitempty"` // JSON pointer into the request body
	Field   string `json:"field,omitempty"`   // property name, or "geometry"
	// SourceField is the field of the uploaded file that a mapping read Field from.
	SourceField string    `json:"source_field,omitempty"`
	Reason      string    `json:"reason"`             // a sentence for people
	Location    []float64 `json:"location,omitempty"` // [lon, lat] of a geometry defect
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("landrelease %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("landrelease %s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error carrying details.
func Invalid(msg string, details ...Detail) *Error {
	return &Error{Code: EINVALID, Message: msg, Details: details}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a generic text.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorDetails returns the details of the first *Error in err's chain.
func ErrorDetails(err error) []Detail {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}
