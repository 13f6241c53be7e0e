using Lbdeploy.Ecmp;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner;

/// <summary>A switch's ECMP hash settings as `sysctl -n -e` prints them, against the plan.</summary>
public sealed class MultipathDriftTests
{
    private static readonly uint T1Seed = KernelMultipath.SwitchSeed(7, "t1");

    [Fact]
    public void The_planned_settings_are_no_drift()
    {
        Assert.Empty(MultipathDrift.Compare($"3\n{KernelMultipath.Fields}\n{T1Seed}\n", 7, "t1"));
    }

    [Fact]
    public void A_kernel_without_the_seed_setting_is_checked_on_policy_and_fields_only()
    {
        // Before 6.11 there is no fib_multipath_hash_seed: -e leaves the line out.
        Assert.Empty(MultipathDrift.Compare($"3\n{KernelMultipath.Fields}\n", 7, "t1"));
        Assert.Equal(["fib_multipath_hash_fields 0x0037 (plan: 0x0df7)"], MultipathDrift.Compare("3\n55\n", 7, "t1"));
    }

    [Fact]
    public void Another_seed_names_the_planned_one_and_where_it_comes_from()
    {
        Assert.Equal([$"fib_multipath_hash_seed 12345 (plan: {T1Seed}, from switches.hash_seed 7)"],
            MultipathDrift.Compare($"3\n{KernelMultipath.Fields}\n12345\n", 7, "t1"));
        // The same seed is another switch's drift: each switch has its own.
        Assert.Single(MultipathDrift.Compare($"3\n{KernelMultipath.Fields}\n{T1Seed}\n", 7, "t2"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("3\n")]
    [InlineData("3\nfields\n1\n")]
    [InlineData("3\n3575\n1\n9\n")]
    public void Output_that_is_not_the_three_numbers_is_one_difference(string output)
    {
        var difference = Assert.Single(MultipathDrift.Compare(output, 7, "t1"));
        Assert.StartsWith($"`{MultipathDrift.Command}` gave ", difference);
    }
}
