package main

import (
	"encoding/base64"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// The scenarios as run.ts writes them: times are nanoseconds since the epoch
// (decimal strings), bytes are base64.
type input struct {
	Scenarios      []scenario `json:"scenarios"`
	DockerfileText string     `json:"dockerfileText"`
	TTY            []string   `json:"tty"`
}

func (in input) scenario(name string) (scenario, bool) {
	for _, s := range in.Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return scenario{}, false
}

type scenario struct {
	Name    string   `json:"name"`
	Updates []update `json:"updates"`
}

type update struct {
	Vertexes []vertex  `json:"vertexes"`
	Statuses []status  `json:"statuses"`
	Logs     []logLine `json:"logs"`
	Warnings []warning `json:"warnings"`
}

type vertex struct {
	Digest        string         `json:"digest"`
	Inputs        []string       `json:"inputs"`
	Name          string         `json:"name"`
	Started       string         `json:"started"`
	Completed     string         `json:"completed"`
	Cached        bool           `json:"cached"`
	Error         string         `json:"error"`
	ProgressGroup *progressGroup `json:"progressGroup"`
}

type progressGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Weak bool   `json:"weak"`
}

type status struct {
	ID        string `json:"id"`
	Vertex    string `json:"vertex"`
	Name      string `json:"name"`
	Total     int64  `json:"total"`
	Current   int64  `json:"current"`
	Timestamp string `json:"timestamp"`
	Started   string `json:"started"`
	Completed string `json:"completed"`
}

type logLine struct {
	Vertex    string `json:"vertex"`
	Stream    int    `json:"stream"`
	Data      string `json:"data"`
	Timestamp string `json:"timestamp"`
}

type position struct {
	Line      int32 `json:"line"`
	Character int32 `json:"character"`
}

type rng struct {
	Start *position `json:"start"`
	End   *position `json:"end"`
}

type sourceInfo struct {
	Filename string `json:"filename"`
	Data     string `json:"data"`
	Language string `json:"language"`
}

type warning struct {
	Vertex     string      `json:"vertex"`
	Level      int         `json:"level"`
	Short      string      `json:"short"`
	Detail     []string    `json:"detail"`
	URL        string      `json:"url"`
	SourceInfo *sourceInfo `json:"sourceInfo"`
	Range      []rng       `json:"range"`
}

func nsTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad time " + s)
	}
	sec := new(big.Int)
	nsec := new(big.Int)
	sec.DivMod(n, big.NewInt(1e9), nsec)
	t := time.Unix(sec.Int64(), nsec.Int64()).UTC()
	return &t
}

func b64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func (u update) solveStatus() *client.SolveStatus {
	ss := &client.SolveStatus{}
	for _, v := range u.Vertexes {
		cv := &client.Vertex{
			Digest:    digest.Digest(v.Digest),
			Name:      v.Name,
			Started:   nsTime(v.Started),
			Completed: nsTime(v.Completed),
			Cached:    v.Cached,
			Error:     v.Error,
		}
		for _, in := range v.Inputs {
			cv.Inputs = append(cv.Inputs, digest.Digest(in))
		}
		if v.ProgressGroup != nil {
			cv.ProgressGroup = &pb.ProgressGroup{Id: v.ProgressGroup.ID, Name: v.ProgressGroup.Name, Weak: v.ProgressGroup.Weak}
		}
		ss.Vertexes = append(ss.Vertexes, cv)
	}
	for _, s := range u.Statuses {
		ss.Statuses = append(ss.Statuses, &client.VertexStatus{
			ID:        s.ID,
			Vertex:    digest.Digest(s.Vertex),
			Name:      s.Name,
			Total:     s.Total,
			Current:   s.Current,
			Timestamp: *nsTime(s.Timestamp),
			Started:   nsTime(s.Started),
			Completed: nsTime(s.Completed),
		})
	}
	for _, l := range u.Logs {
		ss.Logs = append(ss.Logs, &client.VertexLog{
			Vertex:    digest.Digest(l.Vertex),
			Stream:    l.Stream,
			Data:      logData(l.Data),
			Timestamp: *nsTime(l.Timestamp),
		})
	}
	for _, w := range u.Warnings {
		cw := &client.VertexWarning{
			Vertex: digest.Digest(w.Vertex),
			Level:  w.Level,
			Short:  b64(w.Short),
			URL:    w.URL,
		}
		for _, d := range w.Detail {
			cw.Detail = append(cw.Detail, b64(d))
		}
		if w.SourceInfo != nil {
			cw.SourceInfo = &pb.SourceInfo{Filename: w.SourceInfo.Filename, Data: b64(w.SourceInfo.Data), Language: w.SourceInfo.Language}
		}
		for _, r := range w.Range {
			pr := &pb.Range{}
			if r.Start != nil {
				pr.Start = &pb.Position{Line: r.Start.Line, Character: r.Start.Character}
			}
			if r.End != nil {
				pr.End = &pb.Position{Line: r.End.Line, Character: r.End.Character}
			}
			cw.Range = append(cw.Range, pr)
		}
		ss.Warnings = append(ss.Warnings, cw)
	}
	return ss
}

// logData is a log's bytes; an empty log is nil, as a decoded protobuf message holds it.
func logData(s string) []byte {
	if s == "" {
		return nil
	}
	return b64(s)
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }

func splitLines(s string) []string { return strings.Split(s, "\n") }
