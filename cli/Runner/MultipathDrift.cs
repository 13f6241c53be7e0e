using System.Globalization;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Runner;

/// <summary>
/// A Linux-router switch's ECMP hash settings against what its script sets (templates/switches/forwarding.sh.sbn):
/// the policy, the fields and the switch's pinned seed. Another hash spreads the flows differently from what
/// `lbdeploy trace` predicts and `verify`'s spread assumes, while every route stays right.
/// </summary>
public static class MultipathDrift
{
    /// <summary>
    /// Prints the policy, the fields (decimal) and, on kernels from 6.11, the seed, one per line (-e: a kernel without
    /// the seed leaves it out). The command holds no value, so nothing to quote.
    /// </summary>
    public const string Command = "sysctl -n -e net.ipv4.fib_multipath_hash_policy net.ipv4.fib_multipath_hash_fields net.ipv4.fib_multipath_hash_seed";

    /// <summary>The differences of one switch (<paramref name="output"/> is <see cref="Command"/>'s), each without the switch's name.</summary>
    public static IReadOnlyList<string> Compare(string output, uint fabricSeed, string switchName)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length is < 2 or > 3 || !lines.All(l => ulong.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return [$"`{Command}` gave {lines.Length} line(s), not the policy, fields and seed"];
        var differences = new List<string>();
        var policy = ulong.Parse(lines[0], CultureInfo.InvariantCulture);
        if (policy != KernelMultipath.Policy)
            differences.Add($"fib_multipath_hash_policy {policy} (plan: {KernelMultipath.Policy})");
        var fields = ulong.Parse(lines[1], CultureInfo.InvariantCulture);
        if (fields != KernelMultipath.Fields)
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"fib_multipath_hash_fields 0x{fields:x4} (plan: {KernelMultipath.FieldsText})"));
        var seed = KernelMultipath.SwitchSeed(fabricSeed, switchName);
        if (lines.Length == 3 && ulong.Parse(lines[2], CultureInfo.InvariantCulture) is var live && live != seed)
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"fib_multipath_hash_seed {live} (plan: {seed}, from switches.hash_seed {fabricSeed})"));
        return differences;
    }
}
