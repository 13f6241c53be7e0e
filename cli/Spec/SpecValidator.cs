using Lbdeploy.Common;
using System.Collections.Immutable;
using Lbdeploy.Topology;

namespace Lbdeploy.Spec;

/// <summary>
/// The checks that need the topology: every named host exists, and the VIP collides with no address or subnet of
/// the fabric (a VIP inside a routed subnet would be delivered to that subnet instead of the muxes).
/// </summary>
public static class SpecValidator
{
    /// <param name="skip">Item paths that already have a diagnostic; their values are placeholders, not worth checking.</param>
    public static ImmutableArray<SpecDiagnostic> Validate(LbSpec spec, Fabric fabric, IReadOnlySet<string> skip)
    {
        var diagnostics = new List<SpecDiagnostic>();
        var hostList = HostNames.Compact(fabric.Hosts.Select(h => h.Name));

        void CheckHost(string host, string path)
        {
            if (host.Length == 0 || skip.Contains(path) || fabric.IsHost(host)) return;
            diagnostics.Add(spec.Source.At(path, fabric.IsSwitch(host)
                ? $"{TerminalText.Quote(host)} is a switch, not a host (hosts: {hostList}); use one of them"
                : $"host {TerminalText.Quote(host)} is not in the topology (hosts: {hostList}); use one of them"));
        }

        for (var i = 0; i < spec.Muxes.Length; i++) CheckHost(spec.Muxes[i], $"muxes[{i}]");
        for (var i = 0; i < spec.Dips.Length; i++) CheckHost(spec.Dips[i].Host, $"dips[{i}]");
        if (spec.Clients is { } clients)
        {
            for (var i = 0; i < clients.Length; i++) CheckHost(clients[i], $"clients[{i}]");
        }

        // A missing or invalid VIP was reported already; its placeholder (0.0.0.0) is not worth checking.
        if (!skip.Contains("vip.address") && spec.Vip.Address.Value != 0)
        {
            CheckVip(spec, fabric, diagnostics);
        }
        return [.. diagnostics];
    }

    private static void CheckVip(LbSpec spec, Fabric fabric, List<SpecDiagnostic> diagnostics)
    {
        var vip = spec.Vip.Address;
        const string Fix = "choose an address outside every fabric subnet, e.g. 20.0.0.1";
        foreach (var host in fabric.Hosts)
        {
            if (host.Address.Address == vip)
            {
                diagnostics.Add(spec.Source.At("vip.address", $"{vip} is the address of host {host.Name}; {Fix}"));
                return;
            }
            if (host.Gateway == vip)
            {
                diagnostics.Add(spec.Source.At("vip.address", $"{vip} is host {host.Name}'s gateway; {Fix}"));
                return;
            }
            if (host.Address.Subnet.Contains(vip))
            {
                diagnostics.Add(spec.Source.At("vip.address", $"{vip} is inside host {host.Name}'s subnet {host.Address.Subnet}; {Fix}"));
                return;
            }
        }
        foreach (var link in fabric.Links)
        {
            foreach (var end in new[] { link.A, link.B })
            {
                if (end.Address is { } address && address.Subnet.Contains(vip))
                {
                    diagnostics.Add(spec.Source.At("vip.address",
                        $"{vip} is inside the subnet {address.Subnet} of link {link.A.Node}-{link.B.Node}; {Fix}"));
                    return;
                }
            }
        }
    }
}
