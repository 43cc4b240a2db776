package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"setup/internal/problem"
)

// Event is one change in a pull.
type Event struct {
	// Image is the reference as shown to the user, e.g. "influxdb:2.7.11".
	Image string
	// Layer is the layer id; "" for messages about the whole image.
	Layer string
	// Status is the engine's wording: "Pulling fs layer", "Downloading",
	// "Extracting", "Pull complete", "Already exists", "Digest: ...".
	Status string
	// Current is the number of bytes done so far, 0 when not reported.
	Current int64
	// Total is the size in bytes, -1 when the total is unknown.
	Total int64
}

// message is one JSON object of the pull stream. Only the fields a pull
// uses are decoded; the engine may send more.
type message struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	ProgressDetail struct {
		Current int64  `json:"current"`
		Total   *int64 `json:"total"`
	} `json:"progressDetail"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// ReadPull reads the body of a pull (POST /images/create) message by
// message, reports each status change of image to report, and returns
// the outcome.
//
// The engine answers 200 before it knows whether the pull will work, so
// a failure arrives as an error message inside the stream, possibly after
// many progress messages. report may be nil. ReadPull returns such a failure as a
// *problem.Error made by Classify. A stream that breaks off in the middle
// of a message or does not hold JSON is a failure too; a stream that ends
// cleanly without an error message is a success.
func ReadPull(r io.Reader, image string, report func(Event)) error {
	dec := json.NewDecoder(r)
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return streamError(image, err)
		}

		if text := m.errorText(); text != "" {
			return classify(text, image)
		}
		if m.Status == "" || report == nil {
			continue
		}
		report(m.event(image))
	}
}

// errorText returns the daemon's error message, "" when m is no error.
func (m *message) errorText() string {
	if m.Error != "" {
		return m.Error
	}
	if m.ErrorDetail != nil {
		return m.ErrorDetail.Message
	}
	return ""
}

// event turns m into an Event of image.
func (m *message) event(image string) Event {
	e := Event{
		Image:   image,
		Layer:   m.ID,
		Status:  m.Status,
		Current: m.ProgressDetail.Current,
		Total:   -1,
	}
	if t := m.ProgressDetail.Total; t != nil && *t > 0 {
		e.Total = *t
	}

	// "Pulling from library/influxdb" carries the tag as its id; it is
	// about the image, not a layer.
	if strings.HasPrefix(m.Status, "Pulling from ") {
		e.Layer = ""
	}
	return e
}

// streamError describes a stream that could not be read to its end.
func streamError(image string, err error) error {
	// A cancelled pull is the user's decision, not a broken stream.
	if errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("reading pull stream of %s: %w", image, err)
	}

	fix := "check the network and the Docker engine, then run setup again"
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return problem.Wrap(
			problem.Image,
			fmt.Errorf("decoding pull stream: %w", err),
			fmt.Sprintf("the engine's answer to pulling %s is not readable", image),
			fix,
		)
	}
	return problem.Wrap(
		problem.Image,
		fmt.Errorf("reading pull stream: %w", err),
		fmt.Sprintf("pulling %s stopped before the engine reported how it ended", image),
		fix,
	)
}

// Classify turns an error message of the Docker daemon about a pull into a
// *problem.Error: what went wrong, what to do, the exit code, and the
// message itself as evidence and as the cause.
func Classify(daemonMessage string) *problem.Error {
	return classify(daemonMessage, "")
}

// classify is Classify naming image in the description; "" names no image.
func classify(daemonMessage, image string) *problem.Error {
	if image == "" {
		image = "the image"
	}
	p := &problem.Error{
		Code:     problem.Image,
		What:     fmt.Sprintf("the Docker engine could not pull %s", image),
		Fix:      "check the network and the Docker engine, then run setup again",
		Evidence: daemonMessage,
		Err:      errors.New(daemonMessage),
	}

	msg := strings.ToLower(daemonMessage)
	switch {
	case strings.Contains(msg, "no matching manifest for windows/"):
		p.Code = problem.Engine
		p.What = fmt.Sprintf("the Docker engine runs Windows containers "+
			"and cannot pull %s", image)
		p.Fix = "Docker is in Windows-containers mode; switch to Linux containers"

	case strings.Contains(msg, "toomanyrequests"),
		strings.Contains(msg, "rate limit"):
		p.Code = problem.RateLimited
		p.What = fmt.Sprintf("the registry's pull rate limit was reached "+
			"while pulling %s", image)
		p.Fix = "log in with 'docker login' or use a registry mirror, " +
			"then run setup again"

	case strings.Contains(msg, "unauthorized"),
		strings.Contains(msg, "denied"),
		strings.Contains(msg, "authentication required"):
		p.What = fmt.Sprintf("the registry refused access to %s", image)
		p.Fix = "check the image name in the manifest; if the image is " +
			"private, log in with 'docker login', then run setup again"

	case strings.Contains(msg, "manifest unknown"),
		strings.Contains(msg, "not found"):
		p.What = fmt.Sprintf("%s was not found in the registry", image)
		p.Fix = "check the image and version in the manifest, " +
			"then run setup again"
	}
	return p
}
