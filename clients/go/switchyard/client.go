package switchyard

import (
	"context"
	"io"
	"sort"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	switchyardv1 "switchyard/clients/go/switchyard/v1"
)

// Client is one connection to a gateway and the generated clients over it.
type Client struct {
	Conn        *grpc.ClientConn
	Completion  switchyardv1.CompletionServiceClient
	Credentials switchyardv1.CredentialServiceClient
	Agents      switchyardv1.AgentServiceClient
	Keys        switchyardv1.KeyServiceClient
	Prompts     switchyardv1.PromptServiceClient
	Models      switchyardv1.ModelServiceClient
}

// Dial connects to the gateway at target (host:port) with the key in SWITCHYARD_API_KEY.
// Without options the connection is plaintext HTTP/2, as the gateway's port serves it;
// pass grpc.WithTransportCredentials for TLS.
func Dial(target string, options ...grpc.DialOption) (*Client, error) {
	return DialWithKey(target, APIKeyFromEnvironment(), options...)
}

// DialWithKey is Dial with an explicit key; "" sends none (for a gateway without a master key).
func DialWithKey(target, key string, options ...grpc.DialOption) (*Client, error) {
	if len(options) == 0 {
		options = []grpc.DialOption{grpc.WithInsecure()}
	}
	if key != "" {
		options = append(options, grpc.WithPerRPCCredentials(apiKey(key)))
	}
	conn, err := grpc.Dial(target, options...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Conn:        conn,
		Completion:  switchyardv1.NewCompletionServiceClient(conn),
		Credentials: switchyardv1.NewCredentialServiceClient(conn),
		Agents:      switchyardv1.NewAgentServiceClient(conn),
		Keys:        switchyardv1.NewKeyServiceClient(conn),
		Prompts:     switchyardv1.NewPromptServiceClient(conn),
		Models:      switchyardv1.NewModelServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (client *Client) Close() error {
	return client.Conn.Close()
}

// UserMessage is a user message with one text part.
func UserMessage(text string) *switchyardv1.ChatMessage {
	return &switchyardv1.ChatMessage{
		Role:    switchyardv1.Role_ROLE_USER,
		Content: []*switchyardv1.ContentPart{{Part: &switchyardv1.ContentPart_Text{Text: text}}},
	}
}

func userRequest(model, text string) *switchyardv1.ChatCompletionRequest {
	return &switchyardv1.ChatCompletionRequest{Model: model, Messages: []*switchyardv1.ChatMessage{UserMessage(text)}}
}

// ChatReply is a chat completion with its route metadata.
type ChatReply struct {
	Completion *switchyardv1.ChatCompletion
	Route      RouteMetadata
}

// Text is the first choice's text.
func (reply *ChatReply) Text() string {
	choices := reply.Completion.GetChoices()
	if len(choices) == 0 {
		return ""
	}
	var text strings.Builder
	for _, part := range choices[0].GetMessage().GetContent() {
		text.WriteString(part.GetText())
	}
	return text.String()
}

// Chat sends one chat completion request. The context's deadline is the call's: the gateway
// passes it on to the upstream call.
func (client *Client) Chat(ctx context.Context, model, text string, options ...grpc.CallOption) (*ChatReply, error) {
	return client.ChatRequest(ctx, userRequest(model, text), options...)
}

// ChatRequest sends a full ChatCompletionRequest.
func (client *Client) ChatRequest(ctx context.Context, request *switchyardv1.ChatCompletionRequest, options ...grpc.CallOption) (*ChatReply, error) {
	var header metadata.MD
	completion, err := client.Completion.CreateChatCompletion(ctx, request, append(options, grpc.Header(&header))...)
	if err != nil {
		return nil, err
	}
	return &ChatReply{Completion: completion, Route: RouteFromMetadata(header)}, nil
}

// ChatStream is a streamed chat completion: Recv chunks one by one, or read Text.
// Cancel the context given to StreamChat to end it early; the gateway then closes
// its upstream request.
type ChatStream struct {
	switchyardv1.CompletionService_StreamChatCompletionClient
}

// StreamChat starts a streamed chat completion for one user message.
func (client *Client) StreamChat(ctx context.Context, model, text string, options ...grpc.CallOption) (*ChatStream, error) {
	return client.StreamChatRequest(ctx, userRequest(model, text), options...)
}

// StreamChatRequest starts a streamed chat completion for a full request.
func (client *Client) StreamChatRequest(ctx context.Context, request *switchyardv1.ChatCompletionRequest, options ...grpc.CallOption) (*ChatStream, error) {
	stream, err := client.Completion.StreamChatCompletion(ctx, request, options...)
	if err != nil {
		return nil, err
	}
	return &ChatStream{stream}, nil
}

// Route waits for the response headers (not the first chunk) and reads the route metadata.
func (stream *ChatStream) Route() (RouteMetadata, error) {
	header, err := stream.Header()
	if err != nil {
		return RouteMetadata{}, err
	}
	return RouteFromMetadata(header), nil
}

// EachText calls onText with the content of the first choice of each chunk, as it arrives,
// until the stream ends (nil) or fails (the error).
func (stream *ChatStream) EachText(onText func(string)) error {
	for {
		chunk, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for _, choice := range chunk.GetChoices() {
			if choice.GetIndex() == 0 && choice.GetContent() != "" {
				onText(choice.GetContent())
			}
		}
	}
}

// Text reads the stream to its end and returns the first choice's text.
func (stream *ChatStream) Text() (string, error) {
	var text strings.Builder
	err := stream.EachText(func(delta string) { text.WriteString(delta) })
	return text.String(), err
}

// Embed returns one vector per text, in order.
func (client *Client) Embed(ctx context.Context, model string, texts []string, options ...grpc.CallOption) ([][]float64, error) {
	inputs := make([]*switchyardv1.EmbeddingInput, len(texts))
	for index, text := range texts {
		inputs[index] = &switchyardv1.EmbeddingInput{Input: &switchyardv1.EmbeddingInput_Text{Text: text}}
	}
	response, err := client.Completion.CreateEmbeddings(ctx, &switchyardv1.CreateEmbeddingsRequest{Model: model, Inputs: inputs}, options...)
	if err != nil {
		return nil, err
	}
	embeddings := response.GetEmbeddings()
	sort.SliceStable(embeddings, func(left, right int) bool { return embeddings[left].GetIndex() < embeddings[right].GetIndex() })
	vectors := make([][]float64, len(embeddings))
	for index, embedding := range embeddings {
		vectors[index] = embedding.GetValues()
	}
	return vectors, nil
}
