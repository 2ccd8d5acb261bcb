package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/console"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	"golang.org/x/sys/unix"
)

// updateEvery is the time between two updates sent to the display.
const updateEvery = 20 * time.Millisecond

// feed sends the scenario's updates to d, one every updateEvery, and returns the display's warnings.
func feed(d progressui.Display, s scenario) ([]client.VertexWarning, error) {
	ch := make(chan *client.SolveStatus)
	type result struct {
		warnings []client.VertexWarning
		err      error
	}
	done := make(chan result, 1)
	go func() {
		w, err := d.UpdateFrom(context.Background(), ch)
		done <- result{w, err}
	}()
	for _, u := range s.Updates {
		ch <- u.solveStatus()
		time.Sleep(updateEvery)
	}
	close(ch)
	r := <-done
	return r.warnings, r.err
}

func runPlain(s scenario) ([]byte, int, error) {
	var buf bytes.Buffer
	d, err := progressui.NewDisplay(&buf, progressui.PlainMode)
	if err != nil {
		return nil, 0, err
	}
	w, err := feed(d, s)
	return buf.Bytes(), len(w), err
}

func runRawJSON(s scenario) ([]string, error) {
	var buf bytes.Buffer
	d, err := progressui.NewDisplay(&buf, progressui.RawJSONMode)
	if err != nil {
		return nil, err
	}
	if _, err := feed(d, s); err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"), nil
}

const hideCursor = "\x1b[?25l"

var header = regexp.MustCompile(`^(\x1b\[\?25l\[\+\] Building )[0-9.]+s`)

// runTTY renders s on a 100x40 pty in raw mode and returns the final frame (from
// the last cursor-hide, the header's time replaced by X.X) and the error logs after it.
func runTTY(s scenario) ([]string, error) {
	master, slavePath, err := console.NewPty()
	if err != nil {
		return nil, err
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	sc, err := console.ConsoleFromFile(slave)
	if err != nil {
		return nil, err
	}
	if err := sc.SetRaw(); err != nil {
		return nil, err
	}
	// Without ONLCR (which SetRaw keeps): lines end in "\n" only, as the display writes them.
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		return nil, err
	}
	tio.Oflag &^= unix.ONLCR
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		return nil, err
	}
	if err := sc.Resize(console.WinSize{Height: 40, Width: 100}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	read := make(chan error, 1)
	go func() {
		_, err := io.Copy(&buf, master)
		read <- err
	}()
	d, err := progressui.NewDisplay(slave, progressui.TtyMode)
	if err != nil {
		return nil, err
	}
	if _, err := feed(d, s); err != nil {
		return nil, err
	}
	slave.Close()
	// The master reads EIO once the slave is closed and drained.
	if err := <-read; err != nil && !errors.Is(err, syscall.EIO) {
		return nil, err
	}
	text := buf.String()
	i := strings.LastIndex(text, hideCursor)
	if i < 0 {
		return nil, errors.New("no frame")
	}
	last := header.ReplaceAllString(text[i:], "${1}X.Xs")
	return strings.Split(last, "\n"), nil
}
