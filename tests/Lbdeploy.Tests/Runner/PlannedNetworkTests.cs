using Lbdeploy.Common;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner;

/// <summary>A saved plan records the network it was made against; apply refuses it when that moved.</summary>
public sealed class PlannedNetworkTests
{
    private const string Root = "/run/lbdeploy";
    private const string Testbed = "the testbed of /run/lbdeploy (launcher pid 100)";

    private static PlannedNetwork Net(params string[] changes) => new(Root, Testbed, changes);

    [Fact]
    public void The_same_network_and_change_set_has_not_moved()
    {
        Assert.Null(Net().MovedTo(Net()));
        Assert.Null(Net("+ mux h1", "~ vip h14").MovedTo(Net("+ mux h1", "~ vip h14")));
        Assert.Null(PlannedNetwork.None(Root, "no testbed is running").MovedTo(PlannedNetwork.None(Root, "no testbed is running")));
    }

    [Fact]
    public void A_network_that_started_since_planning_has_moved()
    {
        Assert.False(PlannedNetwork.None(Root, "no testbed is running").Seen);
        Assert.False(new PlannedNetwork(Root, PlannedNetwork.NotObserved, []).Seen);
        Assert.True(Net().Seen);
        var moved = PlannedNetwork.None(Root, "no testbed is running").MovedTo(Net());
        Assert.Equal($"the network was none (no testbed is running) when planned, now it is {Testbed}", moved);
    }

    [Fact]
    public void A_restarted_testbed_is_another_network_even_with_the_same_changes()
    {
        var restarted = new PlannedNetwork(Root, "the testbed of /run/lbdeploy (launcher pid 200)", ["+ mux h1"]);
        Assert.Contains("launcher pid 100) when planned, now it is the testbed of /run/lbdeploy (launcher pid 200)", Net("+ mux h1").MovedTo(restarted));
    }

    [Fact]
    public void Another_state_folder_is_named()
    {
        Assert.Equal("it was planned in state folder /run/lbdeploy, this is /run/lb-other", Net().MovedTo(new PlannedNetwork("/run/lb-other", Testbed, [])));
    }

    [Fact]
    public void Drift_since_planning_names_the_first_new_line_and_how_many()
    {
        var moved = Net().MovedTo(Net("~ switch a2     drift: 10.14.3.0/24 missing: apply it again", "~ vip h14 drift", "~ agent h15 not running"));
        Assert.Equal("apply would now also do `~ switch a2     drift: 10.14.3.0/24 missing: apply it again` (and 2 more)", moved);
    }

    [Fact]
    public void A_change_done_since_planning_is_no_longer_pending()
    {
        Assert.Equal("`+ mux h1` is no longer pending", Net("+ mux h1").MovedTo(Net()));
        Assert.Equal("apply would now also do `~ mux h1 reload`; `+ mux h1` is no longer pending", Net("+ mux h1").MovedTo(Net("~ mux h1 reload")));
        Assert.Equal("the change set is the same but in another order", Net("a", "b").MovedTo(Net("b", "a")));
    }

    [Fact]
    public void Change_set_lines_are_what_diff_prints_with_drift_apply_leaves_alone()
    {
        var changes = new ChangeSet([], 7) { Observed = [new Drift("switch t1", "t1", "VIP route narrowed") { Repairable = false }] };
        var recorded = PlannedNetwork.Of(Root, Testbed, changes);
        Assert.Equal(["drift switch t1: VIP route narrowed"], recorded.Changes);
    }

    [Fact]
    public void The_record_reads_back_and_a_missing_or_foreign_one_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("lbdeploy-planned-").FullName;
        try
        {
            var missing = Assert.Throws<RunnerException>(() => PlannedNetwork.Read(dir));
            Assert.Contains($"has no {PlannedNetwork.FileName}", missing.Message);
            var recorded = Net("+ mux h1");
            File.WriteAllText(Path.Combine(dir, PlannedNetwork.FileName), recorded.ToJson());
            var read = PlannedNetwork.Read(dir);
            Assert.Null(recorded.MovedTo(read));
            Assert.Contains("\"state_root\": \"/run/lbdeploy\"", recorded.ToJson());
            File.WriteAllText(Path.Combine(dir, PlannedNetwork.FileName), "[1, 2]");
            Assert.Contains("is not a network record lbdeploy wrote", Assert.Throws<RunnerException>(() => PlannedNetwork.Read(dir)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
