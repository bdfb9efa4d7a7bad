package switchyard

import (
	"context"
	"os"
)

// APIKeyVariable is where Dial reads the gateway key (master key or virtual key) from.
const APIKeyVariable = "SWITCHYARD_API_KEY"

// APIKeyFromEnvironment is the key in SWITCHYARD_API_KEY; "" when unset.
func APIKeyFromEnvironment() string {
	return os.Getenv(APIKeyVariable)
}

// apiKey sends `authorization: Bearer <key>` with every call (grpc.PerRPCCredentials).
type apiKey string

func (key apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(key)}, nil
}

// RequireTransportSecurity is false: the gateway's port speaks plaintext HTTP/2 unless a
// TLS proxy sits in front, and the key must reach it either way.
func (key apiKey) RequireTransportSecurity() bool {
	return false
}
