using System.Text.Json;
using System.Text.Json.Serialization;
using Lbdeploy.Topology;

namespace Lbdeploy.Testbed;

/// <summary>
/// What the testbed launcher (templates/testbed/launcher.py) builds, written as <c>testbed.json</c> in the testbed's
/// state directory by the serializer: the launcher is a fixed script that reads values, never code with values in it.
/// </summary>
public sealed record TestbedModel(
    string Source,
    bool ShapeLinks,
    IReadOnlyList<TestbedHost> Hosts,
    IReadOnlyList<TestbedSwitch> Switches,
    IReadOnlyList<TestbedLink> Links)
{
    public static TestbedModel From(Fabric fabric, bool shapeLinks = false)
    {
        var hosts = fabric.Hosts
            .Select(h => new TestbedHost(h.Name, h.Interface, h.Address.ToString(), h.Mac.ToString(), h.Gateway.ToString()))
            .ToList();
        var switches = fabric.Switches
            .Select(s => new TestbedSwitch(
                s.Name,
                fabric.LinksOf(s.Name).Select(l => l.End(s.Name)).Select(i => new TestbedInterface(i.Name, i.Address?.ToString())).ToList()))
            .ToList();
        var links = fabric.Links
            .Select(l => new TestbedLink(
                l.A.Node, l.A.Port, l.A.Name, l.A.Mac.ToString(),
                l.B.Node, l.B.Port, l.B.Name, l.B.Mac.ToString(),
                new TestbedShaping(l.Options.BandwidthMbps, l.Options.Delay, l.Options.LossPercent, l.Options.MaxQueueSize)))
            .ToList();
        return new TestbedModel(fabric.Source, shapeLinks, hosts, switches, links);
    }

    public string ToJson() => JsonSerializer.Serialize(this, TestbedJsonContext.Default.TestbedModel);

    /// <summary>Every interface name the testbed creates (hN-eth0, tX-ethY), for leftover checks.</summary>
    public IEnumerable<string> InterfaceNames => Links.SelectMany(l => new[] { l.Interface1, l.Interface2 });

    public IEnumerable<string> NodeNames => Hosts.Select(h => h.Name).Concat(Switches.Select(s => s.Name));
}

public sealed record TestbedHost(string Name, string Interface, string Address, string Mac, string Gateway);

public sealed record TestbedSwitch(string Name, IReadOnlyList<TestbedInterface> Interfaces);

public sealed record TestbedInterface(string Name, string? Address);

public sealed record TestbedLink(
    string Node1, int Port1, string Interface1, string Mac1,
    string Node2, int Port2, string Interface2, string Mac2,
    TestbedShaping Shaping);

/// <summary>mininet TCLink's keyword arguments (absent when the link has none): applied only with `testbed up --shape`.</summary>
public sealed record TestbedShaping(
    [property: JsonPropertyName("bw")] double? BandwidthMbps,
    [property: JsonPropertyName("delay")] string? Delay,
    [property: JsonPropertyName("loss")] double? LossPercent,
    [property: JsonPropertyName("max_queue_size")] int? MaxQueueSize);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(TestbedModel))]
public sealed partial class TestbedJsonContext : JsonSerializerContext;
