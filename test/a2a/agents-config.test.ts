import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";

const models = `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: sk-test }
`;

function problems(agents: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(`${models}agents:\n${agents}`, { source: "test.yaml", env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("agents in the config file", () => {
  it("reads model-backed and remote agents, with os.environ/ resolved", () => {
    const config = parseConfig(
      `${models}agents:
  - agent_name: support-bot
    agent_card_params: {name: Support bot, description: Answers, version: "1.0.0", capabilities: {streaming: true}, skills: [{id: answer, name: Answer, description: Answers questions}]}
    litellm_params: {model: gpt-4o, system_prompt: "Be brief."}
  - agent_name: remote-planner
    agent_card_params: {name: Planner, url: os.environ/PLANNER_URL}
`,
      { source: "test.yaml", env: { PLANNER_URL: "http://127.0.0.1:9300" } },
    );
    expect(config.agents).toEqual([
      {
        name: "support-bot",
        cardParams: {
          name: "Support bot",
          description: "Answers",
          version: "1.0.0",
          capabilities: { streaming: true },
          skills: [{ id: "answer", name: "Answer", description: "Answers questions" }],
        },
        model: "gpt-4o",
        systemPrompt: "Be brief.",
        source: "config",
      },
      {
        name: "remote-planner",
        cardParams: { name: "Planner", url: "http://127.0.0.1:9300" },
        source: "config",
      },
    ]);
  });

  it.each([
    [
      "a missing agent_name",
      `  - {agent_name: a, agent_card_params: {name: A, url: "http://x"}}\n  - {agent_card_params: {name: B, url: "http://x"}}\n`,
      ["agents[1].agent_name: required"],
    ],
    [
      "a duplicate name",
      `  - {agent_name: a, agent_card_params: {name: A, url: "http://x"}}\n  - {agent_name: a, agent_card_params: {name: B, url: "http://y"}}\n`,
      ['agents[1].agent_name: duplicate name "a" (also agents[0])'],
    ],
    [
      "an unknown model group",
      `  - {agent_name: a, agent_card_params: {name: A}, litellm_params: {model: gpt-5}}\n`,
      ['agents[0].litellm_params.model: unknown model group "gpt-5"'],
    ],
    [
      "neither a model nor a url",
      `  - {agent_name: a, agent_card_params: {name: A}}\n`,
      [
        "agents[0]: needs litellm_params.model (a model group of ours) or agent_card_params.url (a remote A2A agent)",
      ],
    ],
    [
      "a card without a name",
      `  - {agent_name: a, agent_card_params: {url: "http://x"}}\n`,
      ["agents[0].agent_card_params.name: required"],
    ],
    [
      "no agent_card_params",
      `  - {agent_name: a, litellm_params: {model: gpt-4o}}\n`,
      ["agents[0].agent_card_params: required"],
    ],
    [
      "a url that is not http(s)",
      `  - {agent_name: a, agent_card_params: {name: A, url: "ftp://x"}}\n`,
      ['agents[0].agent_card_params.url: expected an http(s) URL, got "ftp://x"'],
    ],
    [
      "a name that cannot be a URL path segment",
      `  - {agent_name: "a/b", agent_card_params: {name: A, url: "http://x"}}\n`,
      ['agents[0].agent_name: "a/b" may hold only letters, digits, ".", "_" and "-"'],
    ],
    [
      "an entry that is not a mapping",
      "  - support-bot\n",
      ['agents[0]: expected a mapping, got "support-bot"'],
    ],
  ])("refuses %s, naming the key", (_case, agents, expected) => {
    expect(problems(agents)).toEqual(expected);
  });
});
