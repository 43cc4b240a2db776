package e2e

import "github.com/docker/docker/api/types/image"

func imagePullOptions() image.PullOptions { return image.PullOptions{} }
