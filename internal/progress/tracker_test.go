package progress

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readEvents returns the events of the pull stream in testdata/name.
func readEvents(t *testing.T, name, image string) []Event {
	t.Helper()
	var events []Event
	err := ReadPull(strings.NewReader(fixture(t, name)), image,
		func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatalf("ReadPull(%s) = %v", name, err)
	}
	return events
}

func TestTracker(t *testing.T) {
	const img = "influxdb:2.7.11"
	ev := func(layer, status string, current, total int64) Event {
		return Event{
			Image:   img,
			Layer:   layer,
			Status:  status,
			Current: current,
			Total:   total,
		}
	}
	tests := []struct {
		name    string
		events  []Event
		want    Totals
		changed []bool // Observe's answer for each event
	}{
		{
			name: "nothing yet",
			want: Totals{Total: -1},
		},
		{
			name:    "image messages only",
			events:  []Event{ev("", "Pulling from library/influxdb", 0, -1)},
			want:    Totals{Total: -1},
			changed: []bool{false},
		},
		{
			name: "pull-progress-unknown-total",
			events: []Event{
				ev("379cc190f32e", "Pulling fs layer", 0, -1),
				ev("379cc190f32e", "Downloading", 7395421, -1),
				ev("aa11bb22cc33", "Already exists", 0, -1),
			},
			want:    Totals{Current: 7395421, Total: -1, Layers: 2, Done: 1},
			changed: []bool{true, true, true},
		},
		{
			name: "a layer total not known yet",
			events: []Event{
				ev("a1", "Pulling fs layer", 0, -1),
				ev("b2", "Pulling fs layer", 0, -1),
				ev("a1", "Downloading", 100, 1000),
			},
			want:    Totals{Current: 100, Total: -1, Layers: 2},
			changed: []bool{true, true, true},
		},
		{
			name: "byte updates are no state change",
			events: []Event{
				ev("a1", "Downloading", 100, 1000),
				ev("a1", "Downloading", 600, 1000),
				ev("b2", "Downloading", 50, 500),
			},
			want:    Totals{Current: 650, Total: 1500, Layers: 2},
			changed: []bool{true, false, true},
		},
		{
			name: "extraction numbers are not download bytes",
			events: []Event{
				ev("a1", "Downloading", 100, 1000),
				ev("a1", "Download complete", 0, -1),
				ev("a1", "Extracting", 32768, 5000),
				ev("b2", "Downloading", 50, 500),
			},
			want:    Totals{Current: 1050, Total: 1500, Layers: 2},
			changed: []bool{true, true, true, true},
		},
		{
			name: "several layers done",
			events: []Event{
				ev("a1", "Downloading", 100, 1000),
				ev("b2", "Already exists", 0, -1),
				ev("c3", "Downloading", 500, 500),
				ev("a1", "Pull complete", 0, -1),
				ev("c3", "Pull complete", 0, -1),
			},
			want:    Totals{Current: 1500, Total: 1500, Layers: 3, Done: 3},
			changed: []bool{true, true, true, true, true},
		},
		{
			name: "layer of unknown size completes",
			events: []Event{
				ev("a1", "Downloading", 7000, -1),
				ev("a1", "Pull complete", 0, -1),
			},
			want:    Totals{Current: 7000, Total: 7000, Layers: 1, Done: 1},
			changed: []bool{true, true},
		},
		{
			name: "all layers exist",
			events: []Event{
				ev("a1", "Already exists", 0, -1),
				ev("b2", "Already exists", 0, -1),
			},
			want:    Totals{Total: 0, Layers: 2, Done: 2},
			changed: []bool{true, true},
		},
		{
			name: "other images do not count",
			events: []Event{
				ev("a1", "Downloading", 100, 1000),
				{Image: "app:1.0.0", Layer: "b2", Status: "Downloading",
					Current: 5, Total: 10},
			},
			want:    Totals{Current: 100, Total: 1000, Layers: 1},
			changed: []bool{true, true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			var changed []bool
			for _, e := range tt.events {
				changed = append(changed, tr.Observe(e))
			}

			if diff := cmp.Diff(tt.want, tr.Image(img)); diff != "" {
				t.Errorf("Image() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.changed, changed); diff != "" {
				t.Errorf("Observe() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrackerStreams(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   Totals
	}{
		{
			name:   "pull-progress-unknown-total",
			stream: "pull-progress-unknown-total.jsonl",
			want:   Totals{Current: 7395421, Total: -1, Layers: 2, Done: 1},
		},
		{
			name:   "whole pull",
			stream: "influxdb-pull.jsonl",
			want: Totals{
				Current: 29126484 + 1048576,
				Total:   29126484 + 1048576,
				Layers:  3,
				Done:    3,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker()
			for _, e := range readEvents(t, tt.stream, "influxdb:2.7.11") {
				tr.Observe(e)
			}
			if diff := cmp.Diff(tt.want, tr.Image("influxdb:2.7.11")); diff != "" {
				t.Errorf("Image() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTrackerConcurrent observes the layers of several images from as
// many goroutines; run it with -race.
func TestTrackerConcurrent(t *testing.T) {
	const images, layers, steps = 4, 8, 50
	tr := NewTracker()

	var wg sync.WaitGroup
	for i := range images {
		for l := range layers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				img := fmt.Sprintf("image%d:1.0", i)
				layer := fmt.Sprintf("layer%d", l)
				for s := 1; s <= steps; s++ {
					tr.Observe(Event{
						Image:   img,
						Layer:   layer,
						Status:  "Downloading",
						Current: int64(s * 10),
						Total:   steps * 10,
					})
					_ = tr.Image(img)
				}
				tr.Observe(Event{Image: img, Layer: layer, Status: "Pull complete"})
			}()
		}
	}
	wg.Wait()

	want := Totals{
		Current: layers * steps * 10,
		Total:   layers * steps * 10,
		Layers:  layers,
		Done:    layers,
	}
	for i := range images {
		img := fmt.Sprintf("image%d:1.0", i)
		if diff := cmp.Diff(want, tr.Image(img)); diff != "" {
			t.Errorf("Image(%s) mismatch (-want +got):\n%s", img, diff)
		}
	}
}
