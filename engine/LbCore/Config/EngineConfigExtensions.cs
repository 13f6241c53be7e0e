using Lb.Core.Maglev;

namespace Lb.Core.Config;

public static class EngineConfigExtensions
{
    /// <summary>
    /// The Maglev table a mux builds from this config (DIPs with their weights, table size, seed): what lbdeploy can
    /// use to tell which DIP a flow reaches, e.g. <c>config.BuildMaglevTable().Lookup(FlowKey.Create(...))</c>.
    /// Control-socket drains are not part of the file and so not reflected.
    /// </summary>
    public static MaglevTable BuildMaglevTable(this EngineConfig config) =>
        MaglevTable.Build(config.Dips.Select(d => new MaglevBackend(d.Name, d.Address, d.Weight)).ToArray(), config.Hash.TableSize, config.Hash.Seed);

    /// <summary>
    /// The keys an engine reads only at start that differ in <paramref name="next"/>: a reload that changes one is
    /// refused (the engine names them), so lbdeploy restarts an engine whose <see cref="StartOnlyKey"/> changed.
    /// </summary>
    public static IReadOnlyList<string> StartOnlyChanges(this EngineConfig current, EngineConfig next) =>
        [.. StartOnly(current).Zip(StartOnly(next)).Where(p => p.First.Value != p.Second.Value).Select(p => p.First.Key)];

    /// <summary>The values of the start-only keys, one line: equal keys, a reload can apply the rest.</summary>
    public static string StartOnlyKey(this EngineConfig config) => string.Join('\n', StartOnly(config).Select(p => $"{p.Key}={p.Value}"));

    private static IEnumerable<(string Key, string? Value)> StartOnly(EngineConfig c) =>
    [
        ("role", c.Role.ToString()), ("interface", c.Interface), ("address", c.Address.ToString()), ("mac", c.Mac?.ToString()),
        ("control_socket", c.ControlSocket), ("packet_io", c.PacketIo.Name()),
        ("packet_threads", c.PacketThreads.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
