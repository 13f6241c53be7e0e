using Lbdeploy.Testbed;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Topology;

/// <summary>What plan and the testbed say about the topology's link options (applied only with --shape).</summary>
public sealed class LinkShapingTests
{
    private static readonly Fabric Course = FabricLoader.Load(Lbdeploy.Tests.Spec.RepoPaths.Combine("examples", "fattree", "fattree_app.json"));

    [Fact]
    public void Course_fat_tree_sets_bw_on_every_link()
    {
        var shaping = LinkShaping.Of(Course);
        Assert.Equal(48, shaping.Links);
        Assert.Equal(["bw"], shaping.Options);
        Assert.Equal("bw on 48 links", shaping.Describe());
    }

    [Fact]
    public void Options_are_listed_in_tclink_order_and_counted_per_link()
    {
        var options = new[] { new LinkOptions(Delay: "5ms"), LinkOptions.None, new LinkOptions(MaxQueueSize: 100, BandwidthMbps: 10), new LinkOptions(LossPercent: 1) };
        var fabric = new Fabric(Course.Source, Course.Hosts, Course.Switches,
            [.. Course.Links.Select((l, i) => l with { Options = i < options.Length ? options[i] : LinkOptions.None })]);
        var shaping = LinkShaping.Of(fabric);
        Assert.Equal(3, shaping.Links);
        Assert.Equal(["bw", "delay", "loss", "max_queue_size"], shaping.Options);
    }

    [Fact]
    public void Testbed_says_whether_it_applied_them_and_nothing_without_options()
    {
        var shaping = LinkShaping.Of(Course);
        Assert.Equal("link options applied with tc (bw on 48 links)", LinuxTestbed.ShapingNote(shaping, shaped: true));
        Assert.Equal("link options NOT applied (bw on 48 links): links run unshaped; start with --shape to apply them", LinuxTestbed.ShapingNote(shaping, shaped: false));
        Assert.Null(LinuxTestbed.ShapingNote(new LinkShaping(0, []), shaped: false));
    }

    [Fact]
    public void Plan_summary_says_they_apply_only_with_shape()
    {
        var summary = File.ReadAllText(Lbdeploy.Tests.Spec.RepoPaths.Combine("tests", "Lbdeploy.Tests", "Golden", "fattree-linux", "summary.txt"));
        Assert.Contains("links     bw on 48 links: the testbed applies them only with `lbdeploy up --shape` or `lbdeploy testbed up --shape`", summary);
        var unshaped = File.ReadAllText(Lbdeploy.Tests.Spec.RepoPaths.Combine("tests", "Lbdeploy.Tests", "Golden", "leafspine", "summary.txt"));
        Assert.DoesNotContain("links     ", unshaped);
    }
}
