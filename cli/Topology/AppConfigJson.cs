using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lbdeploy.Topology;

/// <summary>Reads and writes the p4-utils app config format (the subset lbdeploy uses).</summary>
public static class AppConfigJson
{
    internal static AppConfig Read(JsonElement root, string source)
    {
        var errors = new List<string>();
        var topology = root.GetProperty("topology");
        var strategy = topology.TryGetProperty("assignment_strategy", out var s) && s.ValueKind == JsonValueKind.String
            ? s.GetString()!
            : AssignmentStrategies.Mixed; // p4-utils' default branch
        var defaults = topology.TryGetProperty("default", out var d) && d.ValueKind == JsonValueKind.Object
            ? ReadOptions(d, LinkOptions.None, "topology.default", errors)
            : LinkOptions.None;

        var hosts = ReadNames(topology, "hosts", errors);
        var switches = ReadNames(topology, "switches", errors);
        var links = ImmutableArray.CreateBuilder<AppLink>();
        if (!topology.TryGetProperty("links", out var linksElement) || linksElement.ValueKind != JsonValueKind.Array)
        {
            errors.Add("topology.links is missing or not an array (add \"links\": [[\"h1\", \"s1\"], ...])");
        }
        else
        {
            var index = 0;
            foreach (var entry in linksElement.EnumerateArray())
            {
                var where = $"topology.links[{index++}]";
                if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() < 2
                    || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{where} is not [node1, node2, {{options}}] (write it as [\"h1\", \"s1\", {{\"bw\": 10}}])");
                    continue;
                }
                var options = defaults;
                if (entry.GetArrayLength() > 2)
                {
                    var third = entry[2];
                    if (third.ValueKind == JsonValueKind.Object) options = ReadOptions(third, defaults, where, errors);
                    else if (third.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                    {
                        // legacy positional form: [node1, node2, latency, bandwidth]
                        options = options with { Delay = DelayText(third) };
                        if (entry.GetArrayLength() > 3 && entry[3].ValueKind == JsonValueKind.Number) options = options with { BandwidthMbps = entry[3].GetDouble() };
                    }
                }
                links.Add(new AppLink(entry[0].GetString()!, entry[1].GetString()!, options));
            }
        }
        if (errors.Count > 0) throw new TopologyException($"{source}: {string.Join("; ", errors)}");

        var p4Source = root.TryGetProperty("p4_src", out var p4) && p4.ValueKind == JsonValueKind.String ? p4.GetString()! : "p4src/ecmp.p4";
        return new AppConfig(strategy, hosts, switches, links.ToImmutable(), p4Source);
    }

    private static ImmutableArray<string> ReadNames(JsonElement topology, string property, List<string> errors)
    {
        if (!topology.TryGetProperty(property, out var element))
        {
            errors.Add($"topology.{property} is missing (add \"{property}\": {{\"name\": {{}}, ...}})");
            return [];
        }
        return element.ValueKind switch
        {
            JsonValueKind.Object => [.. element.EnumerateObject().Select(p => p.Name)],
            JsonValueKind.Array when element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. element.EnumerateArray().Select(e => e.GetString()!)],
            _ => Fail(),
        };

        ImmutableArray<string> Fail()
        {
            errors.Add($"topology.{property} must be an object keyed by node name (write \"{property}\": {{\"name\": {{}}}})");
            return [];
        }
    }

    private static LinkOptions ReadOptions(JsonElement element, LinkOptions defaults, string where, List<string> errors)
    {
        var options = defaults;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "bw":
                    if (value.ValueKind == JsonValueKind.Number) options = options with { BandwidthMbps = value.GetDouble() };
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add($"{where}.bw must be a number of Mbit/s (e.g. 10)");
                    break;
                case "delay":
                    if (value.ValueKind is JsonValueKind.String or JsonValueKind.Number) options = options with { Delay = DelayText(value) };
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add($"{where}.delay must be a time such as \"2ms\"");
                    break;
                case "loss":
                    if (value.ValueKind == JsonValueKind.Number) options = options with { LossPercent = value.GetDouble() };
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add($"{where}.loss must be a percentage (e.g. 1)");
                    break;
                case "max_queue_size" or "queue_length":
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var queue)) options = options with { MaxQueueSize = queue };
                    else if (value.ValueKind != JsonValueKind.Null) errors.Add($"{where}.{property.Name} must be a whole number of packets");
                    break;
            }
        }
        return options;
    }

    private static string DelayText(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? string.Create(CultureInfo.InvariantCulture, $"{value.GetDouble()}ms") : value.GetString()!;

    /// <summary>
    /// Writes the config as a p4-utils app json (legacy format, as the course's exercises use): p4run can run it with
    /// the course's p4 program and routing controller.
    /// </summary>
    public static string Write(AppConfig config)
    {
        var links = new JsonArray();
        foreach (var link in config.Links)
        {
            var entry = new JsonArray(link.Node1, link.Node2);
            var options = new JsonObject();
            if (link.Options.BandwidthMbps is { } bw) options["bw"] = bw;
            if (link.Options.Delay is { } delay) options["delay"] = delay;
            if (link.Options.LossPercent is { } loss) options["loss"] = loss;
            if (link.Options.MaxQueueSize is { } queue) options["max_queue_size"] = queue;
            if (options.Count > 0) entry.Add(options);
            links.Add(entry);
        }
        var hosts = new JsonObject();
        foreach (var host in config.Hosts) hosts[host] = new JsonObject();
        var switches = new JsonObject();
        foreach (var sw in config.Switches) switches[sw] = new JsonObject();

        var root = new JsonObject
        {
            ["p4_src"] = config.P4Source,
            ["switch"] = "simple_switch",
            ["compiler"] = "p4c",
            ["options"] = "--target bmv2 --arch v1model --std p4-16",
            ["switch_cli"] = "simple_switch_CLI",
            ["cli"] = true,
            ["pcap_dump"] = false,
            ["enable_log"] = false,
            ["topo_module"] = new JsonObject { ["file_path"] = "", ["module_name"] = "p4utils.mininetlib.apptopo", ["object_name"] = "AppTopoStrategies" },
            ["controller_module"] = null,
            ["topodb_module"] = new JsonObject { ["file_path"] = "", ["module_name"] = "p4utils.utils.topology", ["object_name"] = "Topology" },
            ["mininet_module"] = new JsonObject { ["file_path"] = "", ["module_name"] = "p4utils.mininetlib.net", ["object_name"] = "P4Mininet" },
            ["topology"] = new JsonObject
            {
                ["assignment_strategy"] = config.AssignmentStrategy,
                ["links"] = links,
                ["hosts"] = hosts,
                ["switches"] = switches,
            },
        };
        // indented like p4-utils' examples, but one link per line so the wiring reads like a table
        var indented = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var linksText = root["topology"]!["links"]!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var compactLinks = "[\n" + string.Join(",\n", links.Select(l => "      " + l!.ToJsonString())) + "\n    ]";
        var reindented = linksText.Replace("\n", "\n    ", StringComparison.Ordinal);
        return indented.Replace(reindented, compactLinks, StringComparison.Ordinal) + "\n";
    }

    public static void WriteFile(AppConfig config, string path) => File.WriteAllText(path, Write(config));
}
