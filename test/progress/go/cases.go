package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/tonistiigi/units"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// protobufCases are StatusResponse messages and the JSON of client.NewSolveStatus for each
// (what `buildctl build --progress rawjson` prints for them).
func protobufCases() ([]pbCase, error) {
	ts := func(sec int64, nsec int32) *timestamppb.Timestamp {
		return &timestamppb.Timestamp{Seconds: sec, Nanos: nsec}
	}
	msgs := []*controlapi.StatusResponse{
		{
			Vertexes: []*controlapi.Vertex{
				{Digest: "sha256:aaa", Inputs: []string{"sha256:000"}, Name: "[1/2] FROM x", Started: ts(1714557600, 123456789), ProgressGroup: &pb.ProgressGroup{Id: "pg", Name: "group"}},
				{Digest: "sha256:bbb", Name: "b"},
			},
			Statuses: []*controlapi.VertexStatus{
				{ID: "s1", Vertex: "sha256:aaa", Current: 5000000000, Total: 9000000000, Timestamp: ts(1714557601, 5), Started: ts(1714557600, 999999999)},
			},
			Logs: []*controlapi.VertexLog{
				{Vertex: "sha256:aaa", Timestamp: ts(1714557601, 0), Stream: 2, Msg: []byte("err\n")},
			},
			Warnings: []*controlapi.VertexWarning{
				{
					Vertex: "sha256:aaa",
					Level:  1,
					Short:  []byte("short"),
					Detail: [][]byte{[]byte("d1")},
					Url:    "https://x",
					Info: &pb.SourceInfo{
						Filename: "Dockerfile",
						Data:     []byte("FROM x\nRUN y\n"),
						Definition: &pb.Definition{
							Def: [][]byte{[]byte("op1"), []byte("op2")},
							Metadata: map[string]*pb.OpMetadata{
								"sha256:aaa": {
									IgnoreCache:    true,
									ExportCache:    &pb.ExportCache{},
									LinuxResources: &pb.LinuxResources{Memory: 1024, CpusetCpus: "0-1"},
								},
								"sha256:bbb": {
									Description:   map[string]string{"llb.customname": "x<y"},
									Caps:          map[string]bool{"constraints": true, "source.local": true},
									ProgressGroup: &pb.ProgressGroup{Id: "g", Name: "n", Weak: true},
								},
							},
							Source: &pb.Source{
								Locations: map[string]*pb.Locations{
									"sha256:aaa": {Locations: []*pb.Location{{Ranges: []*pb.Range{{Start: &pb.Position{Line: 3}, End: &pb.Position{Line: 3, Character: 4}}}}}},
								},
								Infos: []*pb.SourceInfo{{Filename: "Dockerfile", Data: []byte("FROM x\n"), Language: "Dockerfile"}},
							},
						},
						Language: "Dockerfile",
					},
					Ranges: []*pb.Range{{Start: &pb.Position{Line: 1}, End: &pb.Position{Line: 1, Character: 6}}, {Start: &pb.Position{}}},
				},
			},
		},
		{
			Vertexes: []*controlapi.Vertex{
				{Digest: "sha256:aaa", Name: "[1/2] FROM x", Cached: true, Started: ts(1714557600, 123456789), Completed: ts(1714557602, 100)},
			},
		},
		{
			Statuses: []*controlapi.VertexStatus{{ID: "s2", Vertex: "sha256:aaa"}},
		},
	}
	var out []pbCase
	for i, m := range msgs {
		b, err := marshal(m)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			// The recorded bytes hold the map entries unsorted (Go's map order is random):
			// the decoder under test must not depend on the order.
			b = unsortedFirstCase(m)
			var back controlapi.StatusResponse
			if err := proto.Unmarshal(b, &back); err != nil {
				return nil, err
			}
			if !proto.Equal(&back, m) {
				return nil, fmt.Errorf("the unsorted encoding of case 1 does not decode to the message")
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		if err := enc.Encode(client.NewSolveStatus(m)); err != nil {
			return nil, err
		}
		out = append(out, pbCase{PB: base64.StdEncoding.EncodeToString(b), JSON: strings.TrimSuffix(buf.String(), "\n")})
	}
	return out, nil
}

func marshal(m proto.Message) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

func mustMarshal(m proto.Message) []byte {
	b, err := marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// field is a length-delimited field: tag, length, bytes.
func field(num protowire.Number, b []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// unsortedFirstCase encodes the first case with its fields in field-number order, as
// proto.Marshal does, but with the Definition's metadata entries as sha256:bbb, sha256:aaa
// and sha256:bbb's caps as source.local, constraints (the order of the recorded fixture).
func unsortedFirstCase(m *controlapi.StatusResponse) []byte {
	w := m.Warnings[0]
	si := w.Info
	def := si.Definition
	metaA := def.Metadata["sha256:aaa"]
	metaB := def.Metadata["sha256:bbb"]
	entry := func(key string, value []byte) []byte {
		return field(2, concat(field(1, []byte(key)), field(2, value)))
	}
	metaBBytes := concat(
		mustMarshal(&pb.OpMetadata{Description: metaB.Description}),
		mustMarshal(&pb.OpMetadata{Caps: map[string]bool{"source.local": metaB.Caps["source.local"]}}),
		mustMarshal(&pb.OpMetadata{Caps: map[string]bool{"constraints": metaB.Caps["constraints"]}}),
		mustMarshal(&pb.OpMetadata{ProgressGroup: metaB.ProgressGroup}),
	)
	defBytes := concat(
		mustMarshal(&pb.Definition{Def: def.Def}),
		entry("sha256:bbb", metaBBytes),
		entry("sha256:aaa", mustMarshal(metaA)),
		mustMarshal(&pb.Definition{Source: def.Source}),
	)
	siBytes := concat(
		mustMarshal(&pb.SourceInfo{Filename: si.Filename, Data: si.Data}),
		field(3, defBytes),
		mustMarshal(&pb.SourceInfo{Language: si.Language}),
	)
	vwBytes := concat(
		mustMarshal(&controlapi.VertexWarning{Vertex: w.Vertex, Level: w.Level, Short: w.Short, Detail: w.Detail, Url: w.Url}),
		field(6, siBytes),
		mustMarshal(&controlapi.VertexWarning{Ranges: w.Ranges}),
	)
	return concat(
		mustMarshal(&controlapi.StatusResponse{Vertexes: m.Vertexes, Statuses: m.Statuses, Logs: m.Logs}),
		field(4, vwBytes),
	)
}

// sourcePrints is errdefs.Source.Print of the Dockerfile for ranges keyed "START-END"
// (one range) or "L1,L2" (one single-line range per line).
func sourcePrints(dockerfile string) (map[string]string, []string, error) {
	keys := []string{"1-1", "6-6", "2-4", "3-3", "5-9", "0-0", "7-7", "8-8", "2,5"}
	out := map[string]string{}
	for _, k := range keys {
		var ranges []*pb.Range
		if strings.Contains(k, ",") {
			for _, n := range strings.Split(k, ",") {
				l, _ := strconv.Atoi(n)
				ranges = append(ranges, &pb.Range{Start: &pb.Position{Line: int32(l)}, End: &pb.Position{Line: int32(l)}})
			}
		} else {
			se := strings.SplitN(k, "-", 2)
			s, _ := strconv.Atoi(se[0])
			e, _ := strconv.Atoi(se[1])
			ranges = append(ranges, &pb.Range{Start: &pb.Position{Line: int32(s)}, End: &pb.Position{Line: int32(e)}})
		}
		src := errdefs.Source{Info: &pb.SourceInfo{Filename: "Dockerfile", Data: []byte(dockerfile)}, Ranges: ranges}
		var buf bytes.Buffer
		if err := src.Print(&buf); err != nil {
			return nil, nil, err
		}
		out[k] = buf.String()
	}
	return out, keys, nil
}

// fmtCases are fmt "%.1f %.2f %.3f" of some floats, then fmt "%.2f" of units.Bytes.
func fmtCases() []string {
	vals := []float64{0, 0.05, 0.0625, 0.125, 1.25, 1.35, 2.5, 0.45, 9.9999, 10.005, 99.995, 100.05, 1e6 + 0.25, 0.01, 123.456}
	sizes := []int64{0, 1, 999, 1000, 1125, 1135, 2250, 1048576, 10485760, 999999, 1000000, 1234567890, 5e12}
	var out []string
	for _, v := range vals {
		out = append(out, fmt.Sprintf("%.1f %.2f %.3f", v, v, v))
	}
	for _, n := range sizes {
		out = append(out, fmt.Sprintf("%.2f", units.Bytes(n)))
	}
	return out
}
