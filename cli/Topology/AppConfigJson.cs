using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Topology;

/// <summary>
/// Reads and writes the p4-utils app config format (legacy p4run, AppTopoStrategies). Strict: every option p4-utils
/// honours is either honoured the same way or refused with a reason, never dropped in silence; unknown keys and
/// malformed values are problems at their JSON path.
/// </summary>
public static class AppConfigJson
{
    private static readonly string[] TopologyKeys = ["assignment_strategy", "default", "links", "hosts", "switches"];
    private static readonly string[] LinkOptionKeys = ["bw", "delay", "loss", "max_queue_size", "queue_length", "weight"];

    // Switch options p4-utils uses to start bmv2 that change nothing lbdeploy plans (apply reprograms every table).
    private static readonly string[] InertSwitchOptions = ["cpu_port", "cli_input", "program", "json"];

    internal static AppConfig Read(JsonElement root, string source)
    {
        var problems = new TopologyProblems(source);
        var topology = root.GetProperty("topology");
        foreach (var property in topology.EnumerateObject())
        {
            if (TopologyKeys.Contains(property.Name)) continue;
            var suggestion = Suggestions.Closest(property.Name, TopologyKeys);
            problems.Add(JsonLocator.Property("topology", property.Name), $"unknown key {TerminalText.Quote(property.Name)} in \"topology\"; " +
                (suggestion is null ? $"expected one of: {string.Join(", ", TopologyKeys)}" : $"did you mean '{suggestion}'?"));
        }

        var strategy = AssignmentStrategies.Mixed; // p4-utils' default branch
        if (topology.TryGetProperty("assignment_strategy", out var s) && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.String)
                problems.Add("topology.assignment_strategy", $"must be a string: one of {string.Join(", ", AssignmentStrategies.Supported)}");
            else if (!AssignmentStrategies.Supported.Contains(s.GetString()!))
                problems.Add("topology.assignment_strategy", $"{TerminalText.Quote(s.GetString()!)} is not supported; use one of: {string.Join(", ", AssignmentStrategies.Supported)} (l3 is what the course uses)");
            else strategy = s.GetString()!;
        }
        var defaults = LinkOptions.None;
        if (topology.TryGetProperty("default", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            if (d.ValueKind == JsonValueKind.Object) defaults = ReadOptions(d, LinkOptions.None, "topology.default", problems);
            else problems.Add("topology.default", "must be an object of link options such as {\"bw\": 10}");
        }

        var hosts = ReadNodes(topology, "hosts", problems, ReadHostOptions);
        var switches = ReadNodes(topology, "switches", problems, ReadSwitchOptions);
        var links = ImmutableArray.CreateBuilder<AppLink>();
        if (!topology.TryGetProperty("links", out var linksElement) || linksElement.ValueKind != JsonValueKind.Array)
        {
            problems.Add(linksElement.ValueKind == JsonValueKind.Undefined ? "topology" : "topology.links",
                "\"links\" is missing or not an array; add \"links\": [[\"h1\", \"s1\"], ...]");
        }
        else
        {
            var index = 0;
            foreach (var entry in linksElement.EnumerateArray())
            {
                var where = JsonLocator.Item("topology.links", index++);
                if (ReadLink(entry, where, defaults, problems) is { } link) links.Add(link);
            }
        }
        problems.ThrowIfAny();

        var p4Source = root.TryGetProperty("p4_src", out var p4) && p4.ValueKind == JsonValueKind.String && !TerminalText.HasControl(p4.GetString()!)
            ? p4.GetString()!
            : "p4src/ecmp.p4";
        return new AppConfig(strategy, hosts, switches, links.ToImmutable(), p4Source);
    }

    private static AppLink? ReadLink(JsonElement entry, string where, LinkOptions defaults, TopologyProblems problems)
    {
        if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() < 2
            || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.String)
        {
            problems.Add(where, "a link is [node1, node2] or [node1, node2, {options}]; write it as [\"h1\", \"s1\", {\"bw\": 10}]");
            return null;
        }
        if (entry.GetArrayLength() > 4)
        {
            problems.Add(where, $"a link has at most 4 items ([node1, node2, {{options}}] or the old [node1, node2, delay, bw]), not {entry.GetArrayLength()}");
            return null;
        }
        var options = defaults;
        if (entry.GetArrayLength() > 2)
        {
            var third = entry[2];
            if (third.ValueKind == JsonValueKind.Object)
            {
                if (entry.GetArrayLength() > 3) problems.Add(JsonLocator.Item(where, 3), "nothing may follow the options object; remove it");
                options = ReadOptions(third, defaults, JsonLocator.Item(where, 2), problems);
            }
            else
            {
                // The old positional form p4-utils still reads: [node1, node2, delay, bandwidth].
                options = options with { Delay = Delay(third, JsonLocator.Item(where, 2), problems) ?? options.Delay };
                if (entry.GetArrayLength() > 3)
                {
                    options = options with { BandwidthMbps = Bandwidth(entry[3], JsonLocator.Item(where, 3), problems) ?? options.BandwidthMbps };
                }
            }
        }
        return new AppLink(entry[0].GetString()!, entry[1].GetString()!, options);
    }

    /// <summary>hosts or switches: an object keyed by node name, each with its options object.</summary>
    private static ImmutableArray<string> ReadNodes(JsonElement topology, string property, TopologyProblems problems, Action<JsonElement, string, TopologyProblems> readOptions)
    {
        var path = $"topology.{property}";
        if (!topology.TryGetProperty(property, out var element))
        {
            problems.Add("topology", $"\"{property}\" is missing; add \"{property}\": {{\"name\": {{}}, ...}}");
            return [];
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path, $"must be an object keyed by node name; write \"{property}\": {{\"name\": {{}}}}");
            return [];
        }
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var node in element.EnumerateObject())
        {
            var nodePath = JsonLocator.Property(path, node.Name);
            if (Names.NodeProblem(node.Name) is { } problem)
            {
                problems.Add(nodePath, $"node name {TerminalText.Quote(node.Name)} is not allowed: {problem}; names are {Names.NodeRule}");
                continue;
            }
            if (node.Value.ValueKind == JsonValueKind.Object) readOptions(node.Value, nodePath, problems);
            else if (node.Value.ValueKind != JsonValueKind.Null) problems.Add(nodePath, "node options must be an object; write {} for none");
            names.Add(node.Name);
        }
        return names.ToImmutable();
    }

    private static void ReadHostOptions(JsonElement options, string path, TopologyProblems problems)
    {
        foreach (var option in options.EnumerateObject())
        {
            var where = JsonLocator.Property(path, option.Name);
            problems.Add(where, option.Name switch
            {
                "ip" or "mac" or "defaultRoute" => $"host option \"{option.Name}\" is not supported: p4-utils derives every host's address, MAC and default route from assignment_strategy (legacy p4run fails on this option); remove it, or give lbdeploy the topology.json p4run writes",
                "gw" => "host option \"gw\" has no effect in p4-utils (the gateway follows from assignment_strategy); remove it",
                _ => $"host option {TerminalText.Quote(option.Name)} is not supported by lbdeploy; remove it (hosts take no options here)",
            });
        }
    }

    private static void ReadSwitchOptions(JsonElement options, string path, TopologyProblems problems)
    {
        foreach (var option in options.EnumerateObject())
        {
            if (InertSwitchOptions.Contains(option.Name)) continue;
            var where = JsonLocator.Property(path, option.Name);
            problems.Add(where, option.Name switch
            {
                "thrift_port" or "device_id" => $"switch option \"{option.Name}\" is not supported: lbdeploy numbers switches as p4-utils does by default (device ids in natural name order, thrift port 9090 + id - 1); remove it",
                _ => $"switch option {TerminalText.Quote(option.Name)} is not supported; remove it (allowed: {string.Join(", ", InertSwitchOptions)}, which change nothing lbdeploy plans)",
            });
        }
    }

    private static LinkOptions ReadOptions(JsonElement element, LinkOptions defaults, string where, TopologyProblems problems)
    {
        var options = defaults;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            var path = JsonLocator.Property(where, property.Name);
            if (value.ValueKind == JsonValueKind.Null) continue;
            switch (property.Name)
            {
                case "bw":
                    options = options with { BandwidthMbps = Bandwidth(value, path, problems) ?? options.BandwidthMbps };
                    break;
                case "delay":
                    options = options with { Delay = Delay(value, path, problems) ?? options.Delay };
                    break;
                case "loss":
                    if (value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 0 and <= 100) options = options with { LossPercent = value.GetDouble() };
                    else problems.Add(path, "loss must be a percentage from 0 to 100, e.g. 1");
                    break;
                case "max_queue_size" or "queue_length":
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var queue) && queue is >= 1 and <= 1_000_000) options = options with { MaxQueueSize = queue };
                    else problems.Add(path, $"{property.Name} must be a whole number of packets from 1 to 1000000");
                    break;
                case "weight":
                    if (!(value.ValueKind == JsonValueKind.Number && value.GetDouble() == 1))
                        problems.Add(path, "link weights other than 1 are not supported: lbdeploy routes by hop count with ECMP, as the course controller does; remove it");
                    break;
                case "port1" or "port2" or "intfName1" or "intfName2" or "addr1" or "addr2" or "params1" or "params2":
                    problems.Add(path, $"link option \"{property.Name}\" is not supported: lbdeploy numbers ports, names interfaces and sets MACs as p4-utils' AppTopo does (host links first, natural order); remove it, or give lbdeploy the topology.json p4run writes");
                    break;
                default:
                    var suggestion = Suggestions.Closest(property.Name, LinkOptionKeys);
                    problems.Add(path, $"unknown link option {TerminalText.Quote(property.Name)}; " +
                        (suggestion is null ? $"use {string.Join(", ", LinkOptionKeys)}" : $"did you mean '{suggestion}'?"));
                    break;
            }
        }
        return options;
    }

    private static double? Bandwidth(JsonElement value, string path, TopologyProblems problems)
    {
        if (value.ValueKind == JsonValueKind.Number && value.GetDouble() is > 0 and <= 100_000) return value.GetDouble();
        problems.Add(path, "bw must be a number of Mbit/s above 0 (at most 100000), e.g. 10");
        return null;
    }

    /// <summary>A delay as tc writes it ("2ms", "500us", "0.5s"); a bare number means milliseconds, as in p4-utils.</summary>
    private static string? Delay(JsonElement value, string path, TopologyProblems problems)
    {
        if (value.ValueKind == JsonValueKind.Number && value.GetDouble() is >= 0 and <= 100_000)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{value.GetDouble()}ms");
        }
        if (value.ValueKind == JsonValueKind.String && Delays.IsValid(value.GetString()!)) return value.GetString();
        problems.Add(path, $"delay must be a time such as \"2ms\", \"500us\" or \"0.5s\" (or a number of ms), got {Describe(value)}");
        return null;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => TerminalText.Quote(value.GetString()!),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => TerminalText.Escape(value.GetRawText()),
    };

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
