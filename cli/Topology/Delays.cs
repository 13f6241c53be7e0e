using System.Text.RegularExpressions;

namespace Lbdeploy.Topology;

/// <summary>A link delay as tc (and mininet's TCLink) takes it: a number with us, ms or s ("2ms", "500us", "0.5s").</summary>
public static partial class Delays
{
    [GeneratedRegex(@"^[0-9]{1,9}(\.[0-9]{1,6})?(us|ms|s)$")]
    private static partial Regex Pattern();

    public static bool IsValid(string delay) => Pattern().IsMatch(delay);
}
