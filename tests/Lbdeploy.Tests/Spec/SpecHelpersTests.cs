using Lbdeploy.Common;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Spec;

public sealed class SpecHelpersTests
{
    [Theory]
    [InlineData("120s", 120)]
    [InlineData("120", 120)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    [InlineData("1h0m5s", 3605)]
    public void Parses_durations(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2 minutes")]
    [InlineData("500ms")]
    [InlineData("1m1h")]
    [InlineData("-5s")]
    public void Rejects_bad_durations(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData(120, "2m")]
    [InlineData(90, "1m30s")]
    [InlineData(5400, "1h30m")]
    [InlineData(7, "7s")]
    public void Formats_durations_readably(int seconds, string text) => Assert.Equal(text, Durations.Format(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1500)]
    [InlineData("0.25s", 250)]
    [InlineData("2s", 2000)]
    [InlineData("1m", 60000)]
    [InlineData("3", 3000)]
    public void Parses_fine_durations(string text, int milliseconds)
    {
        Assert.True(Durations.TryParseFine(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
        Assert.True(Durations.TryParseFine(Durations.FormatFine(duration), out var again));
        Assert.Equal(duration, again);
    }

    [Theory]
    [InlineData("1.5ms")]
    [InlineData("ms")]
    [InlineData(".5s")]
    [InlineData("1,5s")]
    [InlineData("-500ms")]
    [InlineData("500 ms")]
    public void Rejects_bad_fine_durations(string text) => Assert.False(Durations.TryParseFine(text, out _));

    [Theory]
    [InlineData("adress", "address")]
    [InlineData("dip", "dips")]
    [InlineData("mux", "muxes")]
    [InlineData("tabel_size", "table_size")]
    [InlineData("colour", null)]
    public void Suggests_close_names(string input, string? expected) =>
        Assert.Equal(expected, Suggestions.Closest(input, ["address", "dips", "muxes", "table_size", "topology", "vip", "clients"]));

    [Fact]
    public void Compacts_host_lists() =>
        Assert.Equal("h1..h4, h6, h7, web1", HostNames.Compact(["h3", "web1", "h1", "h2", "h4", "h6", "h7"]));
}
