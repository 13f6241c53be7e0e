namespace Lbdeploy.Topology;

/// <summary>
/// The link options of a fabric (mininet TCLink's bw, delay, loss, max_queue_size): how many links set one and which.
/// The testbed applies them only when asked (`testbed up --shape`, `up --shape`), so plan and the testbed say so.
/// </summary>
/// <param name="Links">The links that set at least one option.</param>
/// <param name="Options">The options set on any link, in TCLink's order (bw, delay, loss, max_queue_size).</param>
public sealed record LinkShaping(int Links, IReadOnlyList<string> Options)
{
    public bool Any => Links > 0;

    public static LinkShaping Of(Fabric fabric)
    {
        var shaped = fabric.Links.Select(l => l.Options).Where(o => o != LinkOptions.None).ToList();
        var options = new (string Name, bool Set)[]
        {
            ("bw", shaped.Any(o => o.BandwidthMbps is not null)),
            ("delay", shaped.Any(o => o.Delay is not null)),
            ("loss", shaped.Any(o => o.LossPercent is not null)),
            ("max_queue_size", shaped.Any(o => o.MaxQueueSize is not null)),
        };
        return new LinkShaping(shaped.Count, [.. options.Where(o => o.Set).Select(o => o.Name)]);
    }

    /// <summary>"bw on 48 links" (the plan's summary says it the same way, templates/summary.txt.sbn).</summary>
    public string Describe() => $"{string.Join(", ", Options)} on {Links} link{(Links == 1 ? "" : "s")}";
}
