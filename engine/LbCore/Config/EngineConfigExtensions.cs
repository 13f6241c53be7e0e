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
}
