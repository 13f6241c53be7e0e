using System.Globalization;
using Lbdeploy.Bgp;

namespace Lbdeploy.Rendering;

/// <summary>
/// The frr target's models: one <see cref="FrrConfigModel"/> per BGP speaker of the <see cref="BgpDesign"/>, holding
/// exactly the design's sessions, filters and settings (what the plan-time proof simulated). Names and addresses come
/// from the validated fabric; each is checked again as one FRR word (<see cref="FrrWords"/>) when formatted here or by
/// the templates' <c>frr</c> function, so no value can add a command to a config.
/// </summary>
public static class FrrConfigs
{
    /// <summary>The BFD profile name the mux sessions use, at both ends.</summary>
    public const string BfdProfile = "mux";

    /// <summary>
    /// FRR's defaults profile (fast timers, no MRAI delay: RFC 7938 fabrics). Written in each config for a real
    /// switch; FRR reads it only at start, so the runner also starts the daemons with it.
    /// </summary>
    public const string DefaultsProfile = "datacenter";

    public static FrrConfigModel Of(BgpDesign design, BgpSpeaker speaker)
    {
        var sessions = speaker.Neighbors;
        var filters = sessions.SelectMany(n => new[] { n.ImportFilter, n.ExportFilter }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(design.Filter).ToList();
        var prefixLines = new List<string>();
        foreach (var filter in filters)
        {
            var name = Word(filter.Name);
            prefixLines.AddRange(filter.Permitted.Select((prefix, i) => string.Create(CultureInfo.InvariantCulture, $"ip prefix-list {name} seq {(i + 1) * 5} permit {prefix}")));
        }
        var neighbors = sessions.Select(n => new FrrNeighborModel(
            n.PeerAddress.ToString(), design.Speaker(n.Peer).Asn, n.Peer, n.Interface, n.Bfd, n.ImportFilter, n.ExportFilter)).ToList();
        var bfd = sessions.Any(n => n.Bfd) ? new FrrBfdModel(BfdProfile, design.Settings.Bfd.IntervalMilliseconds, design.Settings.Bfd.Multiplier) : null;
        var isSwitch = speaker.Role != BgpRole.Mux;
        return new FrrConfigModel(
            DefaultsProfile,
            speaker.Name,
            isSwitch ? "switch" : "mux host",
            speaker.Role.Name(),
            speaker.Pod,
            speaker.Asn,
            speaker.RouterId.ToString(),
            speaker.MultipathRelax,
            isSwitch ? speaker.MaximumPaths : null,
            prefixLines,
            [.. filters.Select(f => new FrrRouteMapModel(f.Name, !f.Permitted.IsEmpty))],
            bfd,
            [.. speaker.Originated.Select(p => p.ToString())],
            neighbors);
    }

    public static FrrSwitchKernelModel Kernel(string switchName, IReadOnlyList<string> interfaces, uint fabricSeed) =>
        new(switchName, interfaces, MultipathHashModel.Of(fabricSeed, switchName));

    private static string Word(string value) =>
        FrrWords.IsWord(value) ? value : throw new ArgumentException($"refusing to put {Common.TerminalText.Quote(value)} into an FRR config: it is not one word");
}
