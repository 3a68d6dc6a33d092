package main

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// throttleProxy is a TCP proxy in front of the test server that can limit the rate of the bytes the client sends
// (an upload), whatever the browser and its DevTools protocol: a test points the browser at its base instead of
// the server's.
type throttleProxy struct {
	t      *testing.T
	base   string // http://127.0.0.1:port
	ln     net.Listener
	target string
	rate   atomic.Int64 // client-to-server bytes per second, 0: no limit

	mu    sync.Mutex
	next  time.Time // when the limited stream may send its next bytes, across all connections
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup

	paced atomic.Int64 // client-to-server bytes forwarded since the last limit
}

// throttleChunk is how much is forwarded at a time, so that a limited stream goes on in small even steps.
const throttleChunk = 16 << 10

// A browser counts an upload as sent once the kernel holds it: in its socket's send buffer, then in the proxy's
// receive buffer. Both grow by themselves to megabytes on loopback (Debian 12, BBR: a 3.4 MB upload was taken in
// entirely in 0.1 s, and under load the receive buffer grew to 4 MB), so the proxy announces Ethernet's segment
// size (Linux sizes the send buffer from it and the congestion window) and fixes its receive buffer: about 1.4 MB of
// an upload is then taken in at once, loaded or not, and the rest goes at the limited rate.
const (
	throttleMSS    = 1460
	throttleRcvBuf = 64 << 10
)

// newThrottleProxy starts a proxy to base (http://host:port); it stops when t ends.
func newThrottleProxy(t *testing.T, base string) *throttleProxy {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = errors.Join(syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, throttleMSS),
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, throttleRcvBuf))
		})
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &throttleProxy{t: t, base: "http://" + ln.Addr().String(), ln: ln, target: base[len("http://"):], conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// limit limits the client-to-server rate to bytesPerSecond from now on (0: no limit); it applies to the open
// connections too.
func (p *throttleProxy) limit(bytesPerSecond int64) {
	p.mu.Lock()
	p.next = time.Time{}
	p.mu.Unlock()
	p.paced.Store(0)
	p.rate.Store(bytesPerSecond)
}

// close stops the proxy and closes its connections.
func (p *throttleProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil // from now on track refuses (and its caller closes) a connection accepted meanwhile
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.t.Error("throttling proxy: connections still open 10 s after the end")
	}
}

// track records c as open (false once the proxy is closing, when c is closed at once).
func (p *throttleProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// accept forwards every connection to the target, until the listener is closed.
func (p *throttleProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.t.Errorf("throttling proxy: %v", err)
			}
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			p.t.Errorf("throttling proxy: %v", err)
			client.Close()
			continue
		}
		if !p.track(client) || !p.track(server) {
			client.Close()
			server.Close()
			continue
		}
		p.wg.Add(2)
		var pending atomic.Int32
		pending.Store(2)
		end := func() {
			if pending.Add(-1) == 0 {
				p.mu.Lock()
				if p.conns != nil {
					delete(p.conns, client)
					delete(p.conns, server)
				}
				p.mu.Unlock()
				client.Close()
				server.Close()
			}
			p.wg.Done()
		}
		go func() { defer end(); p.pipe(server, client, true) }()
		go func() { defer end(); p.pipe(client, server, false) }()
	}
}

// pipe copies src to dst, paced when limited is set and a rate is; at the end of src it half-closes dst, on an
// error it closes both.
func (p *throttleProxy) pipe(dst, src net.Conn, limited bool) {
	buf := make([]byte, throttleChunk)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if limited {
				p.pace(n)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				dst.Close()
				return
			}
		}
		if err == io.EOF {
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			return
		}
		if err != nil {
			src.Close()
			dst.Close()
			return
		}
	}
}

// pace waits until n more bytes may be forwarded at the current rate (at once when there is none).
func (p *throttleProxy) pace(n int) {
	rate := p.rate.Load()
	if rate <= 0 {
		return
	}
	p.paced.Add(int64(n))
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(int64(n) * int64(time.Second) / rate))
	until := p.next
	p.mu.Unlock()
	time.Sleep(time.Until(until)) // the rate limiting itself
}
