package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReadTimeout checks --read-timeout: a client sending its body at a byte a second is cut off when the
// timeout is up, while other clients are served meanwhile.
func TestReadTimeout(t *testing.T) {
	const timeout = 2 * time.Second
	a := start(t, "--read-timeout", timeout.String())
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	began := time.Now()
	// A sign-in reads its body; this one announces 1000 bytes and sends them slowly.
	if _, err := fmt.Fprintf(conn, "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return // cut off
				}
			}
		}
	}()
	// Others are served meanwhile.
	for range 3 {
		res, err := http.Get(a.base + "/healthz")
		if err != nil {
			t.Fatalf("healthz while a client trickles its body: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("healthz while a client trickles its body: %d", res.StatusCode)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// The server ends the request at the timeout: an error answer, then the connection closes (or only the
	// latter). Without a read timeout the client would be read for 1000 s: the test gives up after 30.
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var status string
	for {
		line, err := br.ReadString('\n')
		if status == "" && strings.HasPrefix(line, "HTTP/1.1 ") {
			status = strings.TrimSpace(line)
		}
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the slow client was not cut off after %v (read timeout %v)", time.Since(began), timeout)
			}
			break // closed
		}
	}
	took := time.Since(began)
	t.Logf("cut off after %v (%s)", took, status)
	if took < timeout-200*time.Millisecond || took > timeout+15*time.Second {
		t.Errorf("cut off after %v, want about %v", took, timeout)
	}
	if strings.Contains(status, " 200 ") {
		t.Errorf("the slow request succeeded: %s", status)
	}
}
