module switchyard/clients/go

go 1.19

// The lowest versions the generated code needs (protoc-gen-go 1.28, protoc-gen-go-grpc 1.0:
// grpc.SupportPackageIsVersion7). CI builds against Debian's copies of these in GOPATH mode.
require (
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
)
