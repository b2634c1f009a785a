package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The browser test renders report.html in a real headless Chromium, driven
// over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
// on fd 3, replies and events on fd 4, each a JSON object ended by a NUL),
// and asserts that the page renders with no console error, no script
// exception and no network request but its own file. It skips when
// chromium is not installed, unless READINESS_REQUIRE_CHROMIUM=1.

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("READINESS_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("READINESS_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium not found and READINESS_REQUIRE_CHROMIUM=1")
	}
	t.Skip("chromium not found (set READINESS_REQUIRE_CHROMIUM=1 to make this an error)")
	return ""
}

// cdpMessage is a DevTools protocol message: a command reply (ID set) or an
// event (Method set).
type cdpMessage struct {
	ID        int64                     `json:"id,omitempty"`
	Method    string                    `json:"method,omitempty"`
	Params    json.RawMessage           `json:"params,omitempty"`
	Result    json.RawMessage           `json:"result,omitempty"`
	Error     *struct{ Message string } `json:"error,omitempty"`
	SessionID string                    `json:"sessionId,omitempty"`
}

// cdp is a minimal DevTools client over Chromium's debugging pipe.
type cdp struct {
	ctx    context.Context
	w      *os.File
	mu     sync.Mutex
	next   int64
	wait   map[int64]chan cdpMessage
	events chan cdpMessage
	done   chan struct{}
	err    error
}

func newCDP(ctx context.Context, w, r *os.File) *cdp {
	c := &cdp{ctx: ctx, w: w, wait: map[int64]chan cdpMessage{}, events: make(chan cdpMessage, 4096), done: make(chan struct{})}
	go c.read(r)
	return c
}

func (c *cdp) read(r *os.File) {
	defer close(c.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		data, err := br.ReadBytes(0)
		if err != nil {
			c.err = err
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(data[:len(data)-1], &m); err != nil {
			c.err = err
			return
		}
		if m.ID != 0 {
			c.mu.Lock()
			ch := c.wait[m.ID]
			delete(c.wait, m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		select {
		case c.events <- m:
		default: // a flood of events: drop rather than block replies
		}
	}
}

// call sends a command and waits for its reply.
func (c *cdp) call(session, method string, params any, result any) error {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan cdpMessage, 1)
	c.wait[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(data, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: chromium closed the pipe: %v", method, c.err)
	case <-c.ctx.Done():
		return fmt.Errorf("%s: %w", method, c.ctx.Err())
	}
}

// pageProblems collects what the page must not do.
type pageProblems struct {
	errors   []string
	requests []string
}

func (p *pageProblems) observe(m cdpMessage, pageURL string) {
	switch m.Method {
	case "Runtime.exceptionThrown":
		p.errors = append(p.errors, "exception: "+string(m.Params))
	case "Runtime.consoleAPICalled":
		var e struct{ Type string }
		if json.Unmarshal(m.Params, &e) == nil && (e.Type == "error" || e.Type == "assert") {
			p.errors = append(p.errors, "console: "+string(m.Params))
		}
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Level, Text, URL string }
		}
		if json.Unmarshal(m.Params, &e) == nil && e.Entry.Level == "error" {
			p.errors = append(p.errors, "log: "+e.Entry.Text+" "+e.Entry.URL)
		}
	case "Network.requestWillBeSent":
		var e struct{ Request struct{ URL string } }
		if json.Unmarshal(m.Params, &e) == nil && e.Request.URL != pageURL && !strings.HasPrefix(e.Request.URL, "data:") {
			p.requests = append(p.requests, e.Request.URL)
		}
	}
}

// browse loads the HTML file in Chromium and returns a full-page PNG
// screenshot, a PDF print and the problems seen.
func browse(t *testing.T, chromium, file string) (shot, pdf []byte, problems pageProblems) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	toChrome, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromR, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-sync",
		"--disable-component-update", "--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3, fd 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChrome.Close()
	fromChrome.Close()
	defer func() {
		cmdW.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		fromR.Close()
	}()
	c := newCDP(ctx, cmdW, fromR)
	fail := func(err error) {
		t.Helper()
		t.Fatalf("%v\nchromium stderr (tail):\n%s", err, tail(stderr.String(), 2000))
	}

	var target struct{ TargetID string }
	if err := c.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		fail(err)
	}
	var attached struct{ SessionID string }
	if err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		fail(err)
	}
	s := attached.SessionID
	for _, m := range []string{"Runtime.enable", "Log.enable", "Network.enable", "Page.enable"} {
		if err := c.call(s, m, nil, nil); err != nil {
			fail(err)
		}
	}
	if err := c.call(s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		fail(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: file}).String()
	var nav struct{ ErrorText string }
	if err := c.call(s, "Page.navigate", map[string]any{"url": pageURL}, &nav); err != nil {
		fail(err)
	}
	if nav.ErrorText != "" {
		fail(errors.New("navigate: " + nav.ErrorText))
	}
	// Wait for the load event, observing everything before it.
	loaded := false
	for !loaded {
		select {
		case m := <-c.events:
			if m.SessionID != s {
				continue
			}
			problems.observe(m, pageURL)
			loaded = m.Method == "Page.loadEventFired"
		case <-c.done:
			fail(fmt.Errorf("chromium closed the pipe: %v", c.err))
		case <-ctx.Done():
			fail(errors.New("timed out waiting for the page to load"))
		}
	}

	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := c.call(s, "Page.getLayoutMetrics", nil, &metrics); err != nil {
		fail(err)
	}
	h := min(max(metrics.CSSContentSize.Height, 100), 16000)
	var img struct{ Data string }
	if err := c.call(s, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": 1100, "height": h, "scale": 1}}, &img); err != nil {
		fail(err)
	}
	if shot, err = base64.StdEncoding.DecodeString(img.Data); err != nil {
		fail(err)
	}
	var printed struct{ Data string }
	if err := c.call(s, "Page.printToPDF", map[string]any{"printBackground": true}, &printed); err != nil {
		fail(err)
	}
	if pdf, err = base64.StdEncoding.DecodeString(printed.Data); err != nil {
		fail(err)
	}
	// Drain what arrived meanwhile (a late request or error counts too).
	for {
		select {
		case m := <-c.events:
			if m.SessionID == s {
				problems.observe(m, pageURL)
			}
			continue
		default:
		}
		break
	}
	return shot, pdf, problems
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// distinctColours counts the colours of an image, up to limit.
func distinctColours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

func TestHTMLInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	reports := map[string]func(*testing.T) *Report{
		"sample":    sampleAuditReport,
		"reference": referenceAuditReport,
		"mixed":     mixedReport,
	}
	for _, name := range []string{"sample", "reference", "mixed"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "report.html")
			if err := os.WriteFile(file, renderHTML(t, reports[name](t)), 0o644); err != nil {
				t.Fatal(err)
			}
			shot, pdf, problems := browse(t, chromium, file)
			for _, e := range problems.errors {
				t.Errorf("console or script error: %s", e)
			}
			for _, u := range problems.requests {
				t.Errorf("network request: %s", u)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
				t.Errorf("screenshot is %v, want a rendered page", b)
			}
			if n := distinctColours(img, 16); n < 8 {
				t.Errorf("screenshot has %d colours: the page did not render", n)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 10000 {
				t.Errorf("printToPDF gave %d bytes, not a PDF of the page", len(pdf))
			}
			outs := []string{dir}
			if d := os.Getenv("READINESS_SCREENSHOT_DIR"); d != "" {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
				outs = append(outs, d)
			}
			for _, d := range outs {
				if err := os.WriteFile(filepath.Join(d, name+".png"), shot, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, name+".pdf"), pdf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// The harness itself notices a request and a console error: a page with
// neither a Content-Security-Policy nor any restraint must fail both.
func TestBrowserHarnessDetectsProblems(t *testing.T) {
	chromium := chromiumPath(t)
	file := filepath.Join(t.TempDir(), "bad.html")
	page := `<!DOCTYPE html><html><head><title>bad</title></head><body><p>bad page</p>` +
		`<img src="http://127.0.0.1:9/x.png" alt=""><script>console.error("planted")</script></body></html>`
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, problems := browse(t, chromium, file)
	if len(problems.requests) == 0 {
		t.Error("the planted request to 127.0.0.1:9 was not seen")
	}
	found := false
	for _, e := range problems.errors {
		found = found || strings.Contains(e, "planted")
	}
	if !found {
		t.Errorf("the planted console error was not seen: %q", problems.errors)
	}
}
