package progress

import "sync"

// Tracker adds up the events of pulls per image. It is safe for
// concurrent use, so images may be pulled at the same time.
type Tracker struct {
	mu     sync.Mutex
	images map[string]*imageState
}

// Totals is the progress of one image.
type Totals struct {
	// Current is the number of bytes downloaded so far.
	Current int64
	// Total is the number of bytes to download, -1 while it is unknown:
	// when no layer's size is known yet, or any layer's size is unknown.
	Total int64
	// Layers is the number of layers seen; Done how many of them are
	// complete.
	Layers, Done int
}

// imageState is what a Tracker knows about one image.
type imageState struct {
	layers map[string]*layerState
}

// layerState is what a Tracker knows about one layer.
type layerState struct {
	status  string
	current int64
	total   int64 // -1 while unknown
	done    bool
}

// The layer statuses that carry meaning for the byte counts.
const (
	statusDownloading = "Downloading"
	statusDownloaded  = "Download complete"
	statusVerifying   = "Verifying Checksum"
	statusExtracting  = "Extracting"
	statusComplete    = "Pull complete"
	statusExists      = "Already exists"
)

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker {
	return &Tracker{images: make(map[string]*imageState)}
}

// Observe records e and reports whether a layer changed its state, as
// opposed to only its byte count. Messages about the whole image
// (e.Layer == "") change no layer.
func (t *Tracker) Observe(e Event) (changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()

	img := t.image(e.Image)
	if e.Layer == "" {
		return false
	}
	l, ok := img.layers[e.Layer]
	if !ok {
		l = &layerState{total: -1}
		img.layers[e.Layer] = l
	}
	changed = l.status != e.Status
	l.status = e.Status

	switch e.Status {
	case statusDownloading:
		if e.Current > 0 || e.Total > 0 {
			l.current = e.Current
		}
		if e.Total > 0 {
			l.total = e.Total
		}

	// After the download the numbers in the stream count extraction,
	// not download: the downloaded size is the layer's size.
	case statusDownloaded, statusVerifying, statusExtracting:
		if l.total > 0 {
			l.current = l.total
		}

	case statusComplete:
		l.done = true
		if l.total > 0 {
			l.current = l.total
		} else {
			l.total = l.current
		}

	case statusExists:
		l.done = true
		l.current, l.total = 0, 0
	}
	return changed
}

// Image returns the progress of image so far.
func (t *Tracker) Image(image string) Totals {
	t.mu.Lock()
	defer t.mu.Unlock()

	img, ok := t.images[image]
	if !ok || len(img.layers) == 0 {
		return Totals{Total: -1}
	}
	tot := Totals{Layers: len(img.layers)}
	for _, l := range img.layers {
		tot.Current += l.current
		switch {
		case l.total < 0:
			tot.Total = -1
		case tot.Total >= 0:
			tot.Total += l.total
		}
		if l.done {
			tot.Done++
		}
	}
	return tot
}

// image returns the state of image, creating it when it is new. The
// caller holds t.mu.
func (t *Tracker) image(image string) *imageState {
	img, ok := t.images[image]
	if !ok {
		img = &imageState{layers: make(map[string]*layerState)}
		t.images[image] = img
	}
	return img
}
