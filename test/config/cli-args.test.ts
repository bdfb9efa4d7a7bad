import { describe, expect, it } from "vitest";
import { CliError, parseCliArgs } from "../../src/config/cli-args.js";

describe("parseCliArgs", () => {
  it("has defaults for everything", () => {
    expect(parseCliArgs([], {})).toEqual({
      port: 4000,
      host: "0.0.0.0",
      dataDir: "./.switchyard",
      help: false,
      strictConfig: false,
    });
  });

  it("reads every flag, long and short", () => {
    expect(
      parseCliArgs(
        [
          "--config",
          "c.yaml",
          "--port",
          "8080",
          "--host",
          "127.0.0.1",
          "--data-dir",
          "/tmp/d",
          "--help",
          "--strict-config",
        ],
        {},
      ),
    ).toEqual({
      config: "c.yaml",
      port: 8080,
      host: "127.0.0.1",
      dataDir: "/tmp/d",
      help: true,
      strictConfig: true,
    });
    expect(parseCliArgs([], { SWITCHYARD_STRICT_CONFIG: "1" }).strictConfig).toBe(true);
    expect(parseCliArgs(["-c", "c.yaml", "-p", "0", "-h"], {})).toMatchObject({
      config: "c.yaml",
      port: 0,
      help: true,
    });
    expect(parseCliArgs(["--port=5000"], {}).port).toBe(5000);
  });

  it("takes the port from PORT when --port is absent, and --port wins", () => {
    expect(parseCliArgs([], { PORT: "9000" }).port).toBe(9000);
    expect(parseCliArgs(["--port", "9001"], { PORT: "9000" }).port).toBe(9001);
  });

  it("takes the config and data dir from CONFIG and SWITCHYARD_DATA_DIR (a container's way), flags winning", () => {
    const env = { CONFIG: "/etc/switchyard/config.yaml", SWITCHYARD_DATA_DIR: "/data" };
    expect(parseCliArgs([], env)).toMatchObject({ config: "/etc/switchyard/config.yaml", dataDir: "/data" });
    expect(parseCliArgs(["-c", "mine.yaml", "--data-dir", "here"], env)).toMatchObject({
      config: "mine.yaml",
      dataDir: "here",
    });
    // An empty CONFIG (docker compose's default) means the demo config.
    expect(parseCliArgs([], { CONFIG: "" }).config).toBeUndefined();
  });

  it.each([
    [["--port", "abc"], {}, '--port: expected a port number from 0 to 65535, got "abc"'],
    [["--port", "70000"], {}, '--port: expected a port number from 0 to 65535, got "70000"'],
    [["--port", "80.5"], {}, '--port: expected a port number from 0 to 65535, got "80.5"'],
    [[], { PORT: "http" }, 'PORT: expected a port number from 0 to 65535, got "http"'],
  ])("rejects a bad port %j %j", (argv, env, message) => {
    expect(() => parseCliArgs(argv, env)).toThrow(new CliError(message));
  });

  it.each([
    [["--verbose"], "--verbose"],
    [["config.yaml"], "config.yaml"],
    [["--config"], "--config"],
  ])("rejects %j with a CliError naming it", (argv, named) => {
    const error = (() => {
      try {
        parseCliArgs(argv, {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain(named);
  });
});
