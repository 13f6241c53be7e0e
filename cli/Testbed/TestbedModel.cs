using System.Globalization;
using Lbdeploy.Topology;

namespace Lbdeploy.Testbed;

/// <summary>
/// The <see cref="Fabric"/> flattened into preformatted strings for the testbed templates (launcher.py and
/// topology.json): templates only format, so every address, MAC and name is rendered here exactly once.
/// </summary>
internal sealed record TestbedModel(
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
                s.DeviceId,
                s.ThriftPort,
                fabric.LinksOf(s.Name)
                    .Select(l => l.End(s.Name))
                    .Select(i => new TestbedInterface(i.Name, i.Port, i.Address?.ToString()))
                    .ToList()))
            .ToList();
        var links = fabric.Links
            .Select(l => new TestbedLink(
                l.A.Node, l.A.Port, l.A.Name, l.A.Mac.ToString(), l.A.Address?.ToString(),
                l.B.Node, l.B.Port, l.B.Name, l.B.Mac.ToString(), l.B.Address?.ToString(),
                l.Options.BandwidthMbps?.ToString(CultureInfo.InvariantCulture),
                TcParameters(l.Options)))
            .ToList();
        return new TestbedModel(fabric.Source, shapeLinks, hosts, switches, links);
    }

    /// <summary>The link's options as mininet TCLink keyword arguments (a Python dict literal), "{}" for none.</summary>
    private static string TcParameters(LinkOptions options)
    {
        var parts = new List<string>();
        if (options.BandwidthMbps is { } bw) parts.Add($"\"bw\": {bw.ToString(CultureInfo.InvariantCulture)}");
        if (options.Delay is { Length: > 0 } delay) parts.Add($"\"delay\": \"{delay}\"");
        if (options.LossPercent is { } loss) parts.Add($"\"loss\": {loss.ToString(CultureInfo.InvariantCulture)}");
        if (options.MaxQueueSize is { } queue) parts.Add($"\"max_queue_size\": {queue.ToString(CultureInfo.InvariantCulture)}");
        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>Every interface name the testbed creates (hN-eth0, tX-ethY), for leftover checks.</summary>
    public IEnumerable<string> InterfaceNames => Links.SelectMany(l => new[] { l.Interface1, l.Interface2 });

    public IEnumerable<string> NodeNames => Hosts.Select(h => h.Name).Concat(Switches.Select(s => s.Name));
}

internal sealed record TestbedHost(string Name, string Interface, string Address, string Mac, string Gateway);

internal sealed record TestbedSwitch(string Name, int DeviceId, int ThriftPort, IReadOnlyList<TestbedInterface> Interfaces);

internal sealed record TestbedInterface(string Name, int Port, string? Address);

internal sealed record TestbedLink(
    string Node1, int Port1, string Interface1, string Mac1, string? Ip1,
    string Node2, int Port2, string Interface2, string Mac2, string? Ip2,
    string? Bandwidth,
    string TcParameters);
