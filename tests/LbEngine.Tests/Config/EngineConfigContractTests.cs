using System.Globalization;
using System.Text.RegularExpressions;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Config;

/// <summary>
/// The contract's one definition: the records written and read by the generated serializer, the validator on config
/// objects, and engine/README.md kept equal to the limits, defaults and example in code.
/// </summary>
public class EngineConfigContractTests
{
    private static readonly string Readme = RepoFiles.Read("engine", "README.md");

    [Fact]
    public void A_written_config_reads_back_as_the_same_config()
    {
        var text = EngineConfigJson.Serialize(EngineConfigExample.Mux);
        Assert.EndsWith("}\n", text);
        Assert.DoesNotContain('\r', text);
        Assert.Equal(text, EngineConfigJson.Serialize(EngineConfigLoader.Parse(text)));

        // Absent sections stay absent, nulls that mean "discover it" are written.
        var agent = EngineConfigJson.Serialize(TestConfigs.Agent());
        Assert.DoesNotContain("\"health\"", agent);
        Assert.DoesNotContain("\"metrics\"", agent);
        Assert.Contains("\"mac\": null", agent);
        Assert.Equal(agent, EngineConfigJson.Serialize(EngineConfigLoader.Parse(agent)));
    }

    [Fact]
    public void A_null_is_an_absent_key_and_a_repeated_key_is_an_error()
    {
        var json = EngineConfigLoaderTests.MuxJson.Replace("\"hash\": { \"table_size\": 65537, \"seed\": 7 }", "\"hash\": null");
        Assert.Equal(new HashConfig(), EngineConfigLoader.Parse(json).Hash);

        var twice = EngineConfigLoaderTests.MuxJson.Replace("\"mtu\": 1500,", "\"mtu\": 1500, \"mtu\": 9000,");
        var error = Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Parse(twice));
        Assert.Equal("mtu: appears twice; keep one", Assert.Single(error.Errors).ToString());
    }

    [Fact]
    public void The_validator_reports_every_error_of_a_config_object_with_its_json_path()
    {
        var config = TestConfigs.Mux(("h13", "10.19.13.2", 1), ("h13", "10.19.14.2", 1), ("h15", "10.20.15.2", 2000)) with
        {
            Mtu = 100,
            Host = " ",
            Hash = new HashConfig(65536),
            Health = new HealthConfig(IntervalMs: 500, TimeoutMs: 500),
            Vips = [new VipConfig(Ipv4Address.Parse(TestConfigs.Vip), [new VipPort(TransportProtocol.Tcp, 80), new VipPort(TransportProtocol.Tcp, 80)])],
        };
        var errors = EngineConfigValidator.Validate(config);
        Assert.Equal(
            ["dips[1].name", "dips[2].weight", "hash.table_size", "health.timeout_ms", "host", "mtu", "vips[0].ports[1]"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Contains(errors, e => e.ToString() == "dips[1].name: 'h13' appears twice (also dips[0].name); each name must be unique");
        Assert.Contains(errors, e => e.ToString() == "vips[0].ports[1]: port 80/tcp is listed twice (also vips[0].ports[0]); remove one");
        Assert.Equal("health.interval_ms", errors.Single(e => e.Path == "health.timeout_ms").OtherPath);
        Assert.Empty(EngineConfigValidator.Validate(EngineConfigExample.Mux));
    }

    private sealed class SecondsDialect : ConfigDialect
    {
        public override string Path(string jsonPath) => jsonPath.Replace("_ms", "", StringComparison.Ordinal);
        public override string Milliseconds(long milliseconds) => (milliseconds / 1000.0).ToString(CultureInfo.InvariantCulture) + "s";
    }

    [Fact]
    public void A_dialect_spells_the_keys_and_durations_of_a_message()
    {
        var config = EngineConfigExample.Mux with { Health = new HealthConfig(IntervalMs: 1000, DeadAfterMs: 1000) };
        var error = Assert.Single(EngineConfigValidator.Validate(config, new SecondsDialect()));
        Assert.Equal("health.dead_after_ms", error.Path);
        Assert.StartsWith("dead_after 1s must be longer than interval 1s", error.Message);
        Assert.EndsWith("e.g. dead_after: 1.5s with interval: 0.5s", error.Message);
    }

    [Fact]
    public void The_readme_limits_table_is_EngineLimits()
    {
        var rows = EngineLimits.All.Select(limit =>
            $"| `{limit.Key}` | {limit.Default?.ToString(CultureInfo.InvariantCulture) ?? "required"} | {limit} |");
        var table = string.Join("\n", ["| key | default | range |", "|---|---|---|", .. rows]);
        Assert.True(Readme.Contains(table, StringComparison.Ordinal), $"engine/README.md's limits table differs from EngineLimits; it should read:\n{table}");
        Assert.Contains($"at most {EngineLimits.MaxVips} VIPs", Readme);
    }

    [Fact]
    public void The_readme_example_is_the_example_config()
    {
        var example = Regex.Match(Readme, "## Config \\(JSON.*?```json\n(?<json>.*?)```", RegexOptions.Singleline).Groups["json"].Value;
        Assert.Equal(EngineConfigJson.Serialize(EngineConfigExample.Mux), EngineConfigJson.Serialize(EngineConfigLoader.Parse(example)));
    }

    [Fact]
    public void The_readme_error_example_is_what_the_loader_says()
    {
        var quoted = Regex.Match(Readme, "e\\.g\\. `(?<error>invalid engine config .*?)`", RegexOptions.Singleline).Groups["error"].Value;
        var config = EngineConfigExample.Mux with { Dips = [new DipConfig("h13", Ipv4Address.Parse("10.19.13.2"), -1)], Hash = new HashConfig(65536) };
        var error = Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Parse(EngineConfigJson.Serialize(config), "h1-mux.json"));
        Assert.Equal(Regex.Replace(quoted, "\\s*\n\\s*", " "), error.Message);
    }
}
