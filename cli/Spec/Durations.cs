using System.Globalization;
using System.Text.RegularExpressions;

namespace Lbdeploy.Spec;

/// <summary>Durations as people write them in config: <c>120s</c>, <c>2m</c>, <c>1h30m</c>, or a bare number of seconds.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length == 0) return false;
        if (text.All(char.IsAsciiDigit))
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 366L * 86400) return false;
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        long total = 0;
        foreach (var (group, unit) in new[] { ("h", 3600L), ("m", 60L), ("s", 1L) })
        {
            var value = match.Groups[group];
            if (!value.Success) continue;
            if (!long.TryParse(value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > 366L * 86400) return false;
            total += count * unit;
        }
        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>The spelling <see cref="TryParse"/> reads back, largest units first: 120s -> 2m, 5400s -> 1h30m.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        if (seconds == 0) return "0s";
        var (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        return (h > 0 ? $"{h}h" : "") + (m > 0 ? $"{m}m" : "") + (s > 0 ? $"{s}s" : "");
    }
}
