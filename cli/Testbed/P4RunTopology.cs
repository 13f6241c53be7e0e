using System.Text.Json;
using System.Text.Json.Serialization;
using Lbdeploy.Topology;

namespace Lbdeploy.Testbed;

/// <summary>
/// The testbed's <c>topology.json</c>, in the networkx node-link form p4run writes (hosts with ip, mac and
/// defaultRoute; switches with device_id and thrift_port; links with ports, interface names, MACs and addresses), so
/// tools written for p4-utils, and lbdeploy itself, can read the running network. Written by the serializer.
/// </summary>
internal static class P4RunTopology
{
    public static string Write(Fabric fabric)
    {
        var nodes = new List<P4RunNode>();
        nodes.AddRange(fabric.Switches.Select(s => new P4RunNode(s.Name)
        {
            IsSwitch = true, IsP4Switch = false, IsLinuxRouter = true, DeviceId = s.DeviceId, ThriftPort = s.ThriftPort,
        }));
        nodes.AddRange(fabric.Hosts.Select(h => new P4RunNode(h.Name)
        {
            IsHost = true, DefaultRoute = $"via {h.Gateway}", Mac = h.Mac.ToString(), Ip = h.Address.ToString(),
        }));
        var links = fabric.Links.Select(l => new P4RunLink(
            l.Options.BandwidthMbps, l.A.Name, l.B.Name, l.A.Mac.ToString(), l.B.Mac.ToString(), l.A.Node, l.B.Node, l.A.Port, l.B.Port,
            l.A.Address?.ToString(), l.B.Address?.ToString(), l.A.Node, l.B.Node)).ToList();
        return JsonSerializer.Serialize(new P4RunGraph(nodes, links), P4RunJsonContext.Default.P4RunGraph) + "\n";
    }
}

internal sealed record P4RunGraph(
    [property: JsonPropertyOrder(3)] IReadOnlyList<P4RunNode> Nodes,
    [property: JsonPropertyOrder(4)] IReadOnlyList<P4RunLink> Links)
{
    [JsonPropertyOrder(0)]
    public bool Directed => false;

    [JsonPropertyOrder(1)]
    public bool Multigraph => false;

    [JsonPropertyOrder(2)]
    public Dictionary<string, string> Graph => [];
}

internal sealed record P4RunNode([property: JsonPropertyOrder(10)] string Id)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Cls => null;

    public bool? IsHost { get; init; }

    public bool? IsP4Switch { get; init; }

    public bool? IsSwitch { get; init; }

    public bool? IsLinuxRouter { get; init; }

    [JsonPropertyName("device_id")]
    public int? DeviceId { get; init; }

    [JsonPropertyName("thrift_port")]
    public int? ThriftPort { get; init; }

    public string? DefaultRoute { get; init; }

    public string? Mac { get; init; }

    public string? Ip { get; init; }
}

internal sealed record P4RunLink(
    [property: JsonPropertyName("bw")] double? Bandwidth,
    string IntfName1,
    string IntfName2,
    string Addr1,
    string Addr2,
    string Node1,
    string Node2,
    int Port1,
    int Port2,
    string? Ip1,
    string? Ip2,
    string Source,
    string Target)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Cls => null;

    public int Weight => 1;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(P4RunGraph))]
internal sealed partial class P4RunJsonContext : JsonSerializerContext;
