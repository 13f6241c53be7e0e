namespace Lb.Engine.PacketIo;

/// <summary>
/// Several packet threads on one interface: each runs its own <see cref="RingFramePath"/> (a receive and transmit ring
/// pair) and its own processor, and the receive rings share one PACKET_FANOUT group in hash mode, so the kernel hands
/// every packet of a flow to the same ring, hence the same thread and the same connection table, without any lock.
/// Each path rides out link failures by itself; the first one's <see cref="LinkMonitor"/> is the path's
/// <see cref="Link"/> (health, stats and the restored event read it).
/// </summary>
internal sealed class FanoutFramePath : IFramePath
{
    private readonly IReadOnlyList<RingFramePath> _paths;
    private readonly ushort _group;

    public FanoutFramePath(IReadOnlyList<RingFramePath> paths, ushort group)
    {
        if (paths.Count < 2) throw new ArgumentException("a fanout path has two rings or more", nameof(paths));
        _paths = paths;
        _group = group;
    }

    public int Threads => _paths.Count;

    public LinkMonitor Link => _paths[0].Link;

    public string Description => $"{_paths.Count} packet threads, each with {_paths[0].Description}, in fanout group {_group} (by flow hash)";

    public void Start(IReadOnlyList<IFrameProcessor> processors, Action<string> failed)
    {
        if (processors.Count != _paths.Count) throw new ArgumentException($"{_paths.Count} packet threads need {_paths.Count} processors, not {processors.Count}", nameof(processors));
        for (var i = 0; i < _paths.Count; i++) _paths[i].Start(processors[i], $"lbengine-ring{i}", failed);
    }

    public void SetVips(IReadOnlyList<uint> vips)
    {
        foreach (var path in _paths) path.SetVips(vips);
    }

    public long KernelDrops()
    {
        long drops = 0;
        foreach (var path in _paths) drops += path.KernelDrops();
        return drops;
    }

    public void Stop()
    {
        foreach (var path in _paths) path.Stop();
    }

    public void Dispose()
    {
        foreach (var path in _paths) path.Dispose();
    }
}
