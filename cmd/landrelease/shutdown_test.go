package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// slowUpload sends an upload's headers and the first half of its body on a connection of its own, and returns
// the connection and the rest of the body: the request stays in flight until the rest is sent.
func (a *app) slowUpload(token, localID string) (net.Conn, []byte) {
	a.t.Helper()
	body, err := json.Marshal(collection(hazardFeature(localID, 102.5, 18.0, 102.502, 18.001)))
	if err != nil {
		a.t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.base, "http://"))
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { conn.Close() })
	half := len(body) / 2
	if _, err := fmt.Fprintf(conn, "POST /api/v1/uploads HTTP/1.1\r\nHost: landrelease\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/geo+json\r\nContent-Length: %d\r\n\r\n%s", token, len(body), body[:half]); err != nil {
		a.t.Fatal(err)
	}
	return conn, body[half:]
}

// TestGracefulShutdown stops the service as SIGTERM does while an upload is in flight: /healthz says draining
// at once, during the drain delay requests are still served, then new connections are refused while the upload
// in flight finishes and is stored; serve returns (the cleanup checks it returns nil within 15 s).
func TestGracefulShutdown(t *testing.T) {
	const drainDelay = 2 * time.Second
	a := start(t, "--drain-delay", drainDelay.String(), "--shutdown-timeout", "20s")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	host := strings.TrimPrefix(a.base, "http://")
	conn, rest := a.slowUpload(dm, "SD-1")
	time.Sleep(200 * time.Millisecond) // the server is reading the body

	stopped := time.Now()
	a.stop()
	eventually(t, `/healthz 503 {"status":"draining"}`, drainDelay/2, func() bool {
		res := a.do("GET", "/healthz", "", nil, nil)
		return res.status == http.StatusServiceUnavailable && res.body["status"] == "draining" && res.header.Get("Retry-After") != ""
	})
	if res := a.do("GET", "/api/v1/hazard-areas?bbox=102,17,103,19", dm, nil, nil); res.status != http.StatusOK {
		t.Errorf("a read during the drain delay: %d %v", res.status, res.body)
	}
	if time.Since(stopped) >= drainDelay {
		t.Fatalf("the checks of the drain took %s, longer than the drain delay", time.Since(stopped))
	}
	eventually(t, "new connections refused after the drain delay", drainDelay+5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if waited := time.Since(stopped); waited < drainDelay {
		t.Errorf("connections refused %s after the signal, before the drain delay of %s", waited, drainDelay)
	}

	t.Logf("refused after %s", time.Since(stopped))
	// The upload in flight finishes, and is stored.
	if _, err := conn.Write(rest); err != nil {
		t.Fatalf("the rest of the body in flight: %v", err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the answer to the upload in flight: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("the upload in flight: %d %s", res.StatusCode, b)
	}
	t.Logf("answered after %s", time.Since(stopped))
	if n := a.scalar(`SELECT count(*) FROM upload`); n != int64(1) {
		t.Errorf("%v uploads stored, want 1", n)
	}
}

// TestShutdownTimeout: a request still in flight when --shutdown-timeout is up is cut (its connection closed,
// nothing of it stored), and serve returns.
func TestShutdownTimeout(t *testing.T) {
	const timeout = time.Second
	a := start(t, "--shutdown-timeout", timeout.String())
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	conn, _ := a.slowUpload(dm, "SD-2") // the rest of the body never comes
	time.Sleep(200 * time.Millisecond)
	stopped := time.Now()
	a.stop()
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err := io.ReadAll(conn) // until the server closes the connection
	if err != nil {
		t.Errorf("the connection of the request in flight was not closed by the server: %v", err)
	}
	if cut := time.Since(stopped); cut < timeout || cut > timeout+5*time.Second {
		t.Errorf("the request in flight was cut %s after the signal, want about %s", cut, timeout)
	}
	if n := a.scalar(`SELECT count(*) FROM upload`); n != int64(0) {
		t.Errorf("%v uploads stored, want none", n)
	}
}
