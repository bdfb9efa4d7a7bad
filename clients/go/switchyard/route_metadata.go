package switchyard

import (
	"strconv"

	"google.golang.org/grpc/metadata"
)

// RouteMetadata says which deployment answered a call, and what the router went through
// to get there: LiteLLM's x-litellm-* response headers, typed.
type RouteMetadata struct {
	// CallID (x-litellm-call-id) is the id of this call in logs, spend records and traces.
	CallID string
	// ModelGroup (x-litellm-model-group) is the model name the call asked for.
	ModelGroup string
	// DeploymentID (x-litellm-model-id) is the deployment of that group that answered.
	DeploymentID string
	// OverheadMs (x-litellm-overhead-duration-ms) is the time spent in the gateway itself.
	OverheadMs float64
	// AttemptedRetries (x-litellm-attempted-retries).
	AttemptedRetries int
	// AttemptedFallbacks (x-litellm-attempted-fallbacks).
	AttemptedFallbacks int
}

// RouteFromMetadata reads the route metadata from a call's response headers.
func RouteFromMetadata(header metadata.MD) RouteMetadata {
	first := func(name string) string {
		if values := header.Get(name); len(values) > 0 {
			return values[0]
		}
		return ""
	}
	overhead, _ := strconv.ParseFloat(first("x-litellm-overhead-duration-ms"), 64)
	retries, _ := strconv.Atoi(first("x-litellm-attempted-retries"))
	fallbacks, _ := strconv.Atoi(first("x-litellm-attempted-fallbacks"))
	return RouteMetadata{
		CallID:             first("x-litellm-call-id"),
		ModelGroup:         first("x-litellm-model-group"),
		DeploymentID:       first("x-litellm-model-id"),
		OverheadMs:         overhead,
		AttemptedRetries:   retries,
		AttemptedFallbacks: fallbacks,
	}
}
