using System.Collections.Immutable;
using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text;
using Lb.Core.Config;
using Lb.Core.Maglev;
using Lbdeploy.Planning;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>What apply manages, in the order it is applied (removal runs in reverse).</summary>
public enum UnitKind
{
    /// <summary>A switch's forwarding rules (linux script, or bmv2 CLI commands).</summary>
    Switch,

    /// <summary>The VIP set-up on a DIP (address on its interface, ARP settings, advmss route).</summary>
    Vip,

    /// <summary>The web server on a DIP, bound to VIP:port.</summary>
    Server,

    /// <summary>lbengine agent on a DIP.</summary>
    Agent,

    /// <summary>lbengine mux.</summary>
    Mux,

    /// <summary>
    /// The frr target: FRR (zebra, bgpd, bfdd) in a switch or mux host with the plan's config. Last, so a removed mux
    /// host withdraws its announcement before its engine stops (removal runs in reverse).
    /// </summary>
    Router,
}

/// <summary>
/// One thing the plan wants on the running network, with a hash of everything that defines it (file contents,
/// command lines): apply compares hashes with what it applied last time to know what changed.
/// </summary>
public sealed record DeployUnit(UnitKind Kind, string Host, string Hash, ImmutableArray<string> Files, string? Command, int? ThriftPort)
{
    /// <summary>An engine's config (what its file, <see cref="Files"/>[0], holds); null for the other kinds.</summary>
    public EngineConfig? Engine { get; init; }

    /// <summary>
    /// An engine's settings read only at start (<see cref="EngineConfigExtensions.StartOnlyKey"/>): a changed config
    /// whose key changed too is restarted, since the engine refuses such a reload; null for the other kinds.
    /// </summary>
    public string? StartKey => Engine?.StartOnlyKey();

    /// <summary>
    /// A changed engine that must restart rather than reload: its start-only settings changed since
    /// <paramref name="applied"/> (unknown for states written before the key was recorded: reload, as before).
    /// </summary>
    public bool RestartsFrom(AppliedUnit applied) => IsEngine && applied.StartKey is { } before && before != StartKey;

    public string Key => $"{Kind.ToString().ToLowerInvariant()}:{Host}";

    public bool IsProcess => Kind is UnitKind.Server or UnitKind.Agent or UnitKind.Mux or UnitKind.Router;

    /// <summary>
    /// A mux with the second chance on: where the other muxes keep their pool history. A mux that starts with no
    /// history of its own (a new mux, or one whose runtime folder was removed) is given a copy of the newest of them,
    /// so it can name the earlier owners of flows the fabric moves onto it. Empty for other units.
    /// </summary>
    public ImmutableArray<string> PoolHistorySources { get; init; } = [];

    /// <summary>A router's FRR instance (<see cref="Files"/>[0] is its config); null for the other kinds.</summary>
    public PlannedRouter? Router { get; init; }

    public bool IsEngine => Kind is UnitKind.Agent or UnitKind.Mux;

    public string Label => $"{Kind.ToString().ToLowerInvariant()} {Host}";

    /// <summary>Every unit of a plan, in apply order.</summary>
    public static ImmutableArray<DeployUnit> FromPlan(DeploymentPlan plan)
    {
        var units = ImmutableArray.CreateBuilder<DeployUnit>();
        var bmv2 = plan.Target == Spec.SwitchTarget.Bmv2;
        var frr = plan.Target == Spec.SwitchTarget.Frr;
        foreach (var sw in plan.Switches)
        {
            // frr: the switch unit is its kernel settings; its routes come from its router unit.
            var file = bmv2 ? sw.Bmv2CommandsFile : frr ? sw.FrrKernelScriptFile : sw.LinuxScriptFile;
            // The linux tear-down script travels with the unit: destroy undoes exactly what was applied.
            ImmutableArray<string> files = !bmv2 && !frr && plan.Files.ContainsKey(sw.LinuxTeardownFile) ? [file, sw.LinuxTeardownFile] : [file];
            units.Add(new DeployUnit(UnitKind.Switch, sw.Name, ComputeHash(plan, [file], bmv2 ? $"thrift:{sw.ThriftPort}" : null), files, null, bmv2 ? sw.ThriftPort : null));
        }
        foreach (var dip in plan.Dips)
        {
            units.Add(new DeployUnit(UnitKind.Vip, dip.Host, ComputeHash(plan, [dip.VipUpScriptFile], null), [dip.VipUpScriptFile, dip.VipDownScriptFile], null, null));
        }
        foreach (var dip in plan.Dips)
        {
            var docroot = DocRootFingerprint(plan.Service.DocRoot);
            units.Add(new DeployUnit(UnitKind.Server, dip.Host, ComputeHash(plan, [dip.VipUpScriptFile], dip.ServerCommand + "\n" + docroot), [], dip.ServerCommand, null));
        }
        foreach (var dip in plan.Dips)
        {
            units.Add(new DeployUnit(UnitKind.Agent, dip.Host, ComputeHash(plan, [dip.EngineConfigFile], null), [dip.EngineConfigFile], null, null) { Engine = dip.Engine });
        }
        foreach (var mux in plan.Muxes)
        {
            ImmutableArray<string> sources = mux.Engine.SecondChanceEnabled
                ? [.. plan.Muxes.Where(m => m.Host != mux.Host).Select(m => PoolHistoryFile.PathFor(m.Engine.ControlSocket))]
                : [];
            units.Add(new DeployUnit(UnitKind.Mux, mux.Host, ComputeHash(plan, [mux.EngineConfigFile], null), [mux.EngineConfigFile], null, null)
            {
                Engine = mux.Engine,
                PoolHistorySources = sources,
            });
        }
        foreach (var router in plan.Routers)
        {
            // The daemons' command lines count: a new lbdeploy that starts them differently restarts them.
            var identity = string.Join('\n', router.Daemons.Select(d => FrrCommands.Daemon(d, router.RuntimeDirectory)).Append(router.Announces?.ToString() ?? "").Append(router.GateArguments ?? ""));
            units.Add(new DeployUnit(UnitKind.Router, router.Node, ComputeHash(plan, [router.ConfigFile], identity), [router.ConfigFile], null, null) { Router = router });
        }
        return units.ToImmutable();
    }

    private static string ComputeHash(DeploymentPlan plan, IEnumerable<string> files, string? extra)
    {
        var text = new StringBuilder();
        foreach (var file in files)
        {
            if (!plan.Files.TryGetValue(file, out var content))
            {
                throw new RunnerException($"the plan names {file} but does not contain it; re-run lbdeploy plan");
            }
            text.Append(file).Append('\0').Append(content).Append('\0');
        }
        text.Append(extra);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>At most this many of the docroot's files make its fingerprint: a docroot such as / (the spec warns) is not walked whole.</summary>
    internal const int DocRootFingerprintFiles = 10_000;

    /// <summary>
    /// Names, sizes and times of the docroot's files: a changed site restarts the servers. Unreadable folders, links
    /// and files that vanish meanwhile (a docroot over /proc) are skipped, never an error.
    /// </summary>
    internal static string DocRootFingerprint(string docRoot)
    {
        if (!Directory.Exists(docRoot)) return "";
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var lines = new List<string>();
        using var files = new DocRootFiles(docRoot, options);
        for (var count = 0; count < DocRootFingerprintFiles && files.MoveNext(); count++)
        {
            var file = files.Current;
            try
            {
                var info = new FileInfo(file);
                lines.Add($"{Path.GetRelativePath(docRoot, file)} {info.Length} {info.LastWriteTimeUtc.Ticks}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone or unreadable since it was listed: not part of the site
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    /// <summary>The docroot's files, past folders that cannot be listed (EACCES, or EINVAL from a process's folder under /proc as it exits).</summary>
    private sealed class DocRootFiles(string root, EnumerationOptions options) : FileSystemEnumerator<string>(root, options)
    {
        protected override bool ShouldIncludeEntry(ref FileSystemEntry entry) => !entry.IsDirectory;

        protected override string TransformEntry(ref FileSystemEntry entry) => entry.ToFullPath();

        protected override bool ContinueOnError(int error) => true;
    }
}
