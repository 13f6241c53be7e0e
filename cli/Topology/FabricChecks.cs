using Lb.Core.Addressing;
using Lbdeploy.Common;

namespace Lbdeploy.Topology;

/// <summary>
/// What any fabric must satisfy, whichever file it came from: one address and one MAC per interface across the
/// fabric, unique port numbers and interface names per node, unique switch ids and thrift ports, host gateways inside
/// the host's subnet. Problems are reported at the node's declaration (<paramref name="nodePath"/>).
/// </summary>
internal static class FabricChecks
{
    public static void Check(Fabric fabric, TopologyProblems problems, Func<Fabric, string, string> nodePath)
    {
        var addresses = new Dictionary<Ipv4Address, FabricInterface>();
        var macs = new Dictionary<MacAddress, FabricInterface>();
        var ports = new HashSet<(string Node, int Port)>();
        var names = new HashSet<(string Node, string Name)>();
        foreach (var end in fabric.Links.SelectMany(l => new[] { l.A, l.B }))
        {
            var where = nodePath(fabric, end.Node);
            if (!ports.Add((end.Node, end.Port)))
                problems.Add(where, $"{end.Node} has port {end.Port} twice; number each of its links' ports once");
            if (!names.Add((end.Node, end.Name)))
                problems.Add(where, $"{end.Node} has two interfaces named {end.Name}; name each once");
            if (end.Address is { } address && !addresses.TryAdd(address.Address, end))
            {
                var other = addresses[address.Address];
                problems.Add(where, $"address {address.Address} is on {end.Node} ({end.Name}) and on {other.Node} ({other.Name}); give each interface its own address");
            }
            if (!macs.TryAdd(end.Mac, end))
            {
                var other = macs[end.Mac];
                problems.Add(where, $"MAC {end.Mac} is on {end.Node} ({end.Name}) and on {other.Node} ({other.Name}); give each interface its own MAC");
            }
        }
        foreach (var host in fabric.Hosts)
        {
            if (!host.Address.Subnet.Contains(host.Gateway))
                problems.Add(nodePath(fabric, host.Name), $"host {host.Name}'s gateway {host.Gateway} is outside its subnet {host.Address.Subnet}; use an address of the attached switch's port");
        }
        var ids = new Dictionary<int, string>();
        var thrift = new Dictionary<int, string>();
        foreach (var sw in fabric.Switches)
        {
            if (!ids.TryAdd(sw.DeviceId, sw.Name))
                problems.Add(nodePath(fabric, sw.Name), $"switches {ids[sw.DeviceId]} and {sw.Name} share device_id {sw.DeviceId}; give each its own");
            if (!thrift.TryAdd(sw.ThriftPort, sw.Name))
                problems.Add(nodePath(fabric, sw.Name), $"switches {thrift[sw.ThriftPort]} and {sw.Name} share thrift_port {sw.ThriftPort}; give each its own");
        }
    }
}
