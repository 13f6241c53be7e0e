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

    [GeneratedRegex(@"^(?<n>\d{1,9}(?:\.\d{1,3})?)(?<u>ms|s)$")]
    private static partial Regex FinePattern();

    /// <summary>
    /// Like <see cref="TryParse"/>, and also milliseconds and fractions of a second, for short timers:
    /// <c>500ms</c>, <c>1.5s</c>, <c>0.25s</c>, <c>2s</c>, <c>1m</c>.
    /// </summary>
    public static bool TryParseFine(string text, out TimeSpan duration)
    {
        var match = FinePattern().Match(text);
        if (!match.Success) return TryParse(text, out duration);
        var number = decimal.Parse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var milliseconds = match.Groups["u"].Value == "ms" ? number : number * 1000;
        duration = TimeSpan.FromMilliseconds((double)decimal.Truncate(milliseconds));
        return milliseconds == decimal.Truncate(milliseconds);
    }

    /// <summary>
    /// The spelling <see cref="TryParseFine"/> reads back: whole seconds as <see cref="Format"/>, a fraction of a second
    /// in milliseconds (300ms), longer ones in seconds (1.5s).
    /// </summary>
    public static string FormatFine(TimeSpan duration)
    {
        if (duration.Ticks % TimeSpan.TicksPerSecond == 0) return Format(duration);
        var milliseconds = (long)duration.TotalMilliseconds;
        return milliseconds < 1000
            ? string.Create(CultureInfo.InvariantCulture, $"{milliseconds}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 1000m}s");
    }
}
