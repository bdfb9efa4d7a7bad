// Command check_client drives the Go client against a gateway for test/clients/clients.test.ts.
//
// Usage: check_client TARGET COMMAND ARGS…; the key comes from SWITCHYARD_API_KEY, as a
// user's would. Prints one JSON object: the call's outcome, or {"code", "details"} when
// the call fails with a gRPC status.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"switchyard/clients/go/switchyard"
	switchyardv1 "switchyard/clients/go/switchyard/v1"
)

type result = map[string]interface{}

func routeJSON(route switchyard.RouteMetadata) result {
	return result{
		"callId":           route.CallID,
		"modelGroup":       route.ModelGroup,
		"deploymentId":     route.DeploymentID,
		"overheadMs":       route.OverheadMs,
		"attemptedRetries": route.AttemptedRetries,
	}
}

func chat(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	reply, err := client.Chat(ctx, args[0], args[1])
	if err != nil {
		return nil, err
	}
	return result{"text": reply.Text(), "route": routeJSON(reply.Route), "totalTokens": reply.Completion.GetUsage().GetTotalTokens()}, nil
}

func stream(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	chatStream, err := client.StreamChat(ctx, args[0], args[1])
	if err != nil {
		return nil, err
	}
	route, err := chatStream.Route()
	if err != nil {
		return nil, err
	}
	var deltas []string
	if err := chatStream.EachText(func(text string) { deltas = append(deltas, text) }); err != nil {
		return nil, err
	}
	return result{"deltas": len(deltas), "text": strings.Join(deltas, ""), "route": routeJSON(route)}, nil
}

func embed(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	vectors, err := client.Embed(ctx, args[0], args[1:])
	if err != nil {
		return nil, err
	}
	dimensions := make([]int, len(vectors))
	for index, vector := range vectors {
		dimensions[index] = len(vector)
	}
	return result{"count": len(vectors), "dimensions": dimensions}, nil
}

func credential(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	_, err := client.Credentials.CreateCredential(ctx, &switchyardv1.CreateCredentialRequest{
		Credential: &switchyardv1.Credential{CredentialName: args[0], CredentialValues: map[string]string{"api_key": args[1]}},
	})
	if err != nil {
		return nil, err
	}
	got, err := client.Credentials.GetCredential(ctx, &switchyardv1.GetCredentialRequest{CredentialName: args[0]})
	if err != nil {
		return nil, err
	}
	return result{"name": got.GetCredential().GetCredentialName(), "values": got.GetCredential().GetCredentialValues()}, nil
}

func model(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	params, err := structpb.NewStruct(map[string]interface{}{"model": "openai/gpt-4o-mini", "api_base": args[1], "api_key": args[2]})
	if err != nil {
		return nil, err
	}
	created, err := client.Models.CreateDeployment(ctx, &switchyardv1.CreateDeploymentRequest{
		Deployment: &switchyardv1.Deployment{ModelName: args[0], LitellmParams: params},
	})
	if err != nil {
		return nil, err
	}
	reply, err := client.Chat(ctx, args[0], "stored")
	if err != nil {
		return nil, err
	}
	if _, err := client.Models.DeleteDeployment(ctx, &switchyardv1.DeleteDeploymentRequest{ModelId: created.GetDeployment().GetModelId()}); err != nil {
		return nil, err
	}
	return result{"apiKey": created.GetDeployment().GetLitellmParams().AsMap()["api_key"], "text": reply.Text()}, nil
}

func agent(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	message, err := structpb.NewStruct(map[string]interface{}{
		"messageId": strconv.FormatInt(time.Now().UnixNano(), 10),
		"role":      "ROLE_USER",
		"parts":     []interface{}{map[string]interface{}{"text": args[1]}},
	})
	if err != nil {
		return nil, err
	}
	response, err := client.Agents.SendAgentMessage(ctx, &switchyardv1.SendAgentMessageRequest{AgentName: args[0], Message: message})
	if err != nil {
		return nil, err
	}
	task := response.GetResult().AsMap()["task"].(map[string]interface{})
	var text strings.Builder
	for _, artifact := range task["artifacts"].([]interface{}) {
		for _, part := range artifact.(map[string]interface{})["parts"].([]interface{}) {
			if partText, ok := part.(map[string]interface{})["text"].(string); ok {
				text.WriteString(partText)
			}
		}
	}
	state := task["status"].(map[string]interface{})["state"]
	return result{"state": state, "text": text.String()}, nil
}

func deadline(ctx context.Context, client *switchyard.Client, args []string) (result, error) {
	seconds, err := strconv.ParseFloat(args[1], 64)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(seconds*float64(time.Second)))
	defer cancel()
	if _, err := client.Chat(ctx, args[0], "never answered"); err != nil {
		return nil, err
	}
	return result{"answered": true}, nil
}

var commands = map[string]func(context.Context, *switchyard.Client, []string) (result, error){
	"chat": chat, "stream": stream, "embed": embed, "credential": credential, "model": model, "agent": agent, "deadline": deadline,
}

var wordStart = regexp.MustCompile(`([a-z])([A-Z])`)

// codeName spells a code as the other clients do: NotFound → NOT_FOUND.
func codeName(err error) string {
	return strings.ToUpper(wordStart.ReplaceAllString(status.Code(err).String(), "${1}_${2}"))
}

func main() {
	client, err := switchyard.Dial(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()
	output, err := commands[os.Args[2]](context.Background(), client, os.Args[3:])
	if err != nil {
		if _, isStatus := status.FromError(err); !isStatus {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		output = result{"code": codeName(err), "details": status.Convert(err).Message()}
	}
	encoded, _ := json.Marshal(output)
	fmt.Println(string(encoded))
}
