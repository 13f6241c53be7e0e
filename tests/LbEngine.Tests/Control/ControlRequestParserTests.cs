using System.Text;
using Lb.Engine.Control;

namespace Lb.Engine.Tests.Control;

public class ControlRequestParserTests
{
    [Theory]
    [InlineData("stats", ControlCommand.Stats, null)]
    [InlineData("health\r", ControlCommand.Health, null)]
    [InlineData("  metrics ", ControlCommand.Metrics, null)]
    [InlineData("reload", ControlCommand.Reload, null)]
    [InlineData("drain h13", ControlCommand.Drain, "h13")]
    [InlineData("undrain\th14", ControlCommand.Undrain, "h14")]
    public void Reads_every_command(string line, ControlCommand command, string? name)
    {
        Assert.True(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out var request, out var refusal), refusal?.Message);
        Assert.Equal(new ControlRequest(command, name), request);
    }

    [Fact]
    public void Echoes_at_most_a_short_part_of_an_unknown_command()
    {
        Assert.False(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(new string('x', 500)), out _, out var refusal));
        Assert.Equal(ControlResult.UnknownCommand, refusal.Reason);
        Assert.Equal($"unknown command '{new string('x', 40)}...'; {ControlRequestParser.Usage}", refusal.Message);
    }

    /// <summary>
    /// Random byte strings, seeded so a failure repeats: the parser never throws, and every answer is either a
    /// well-formed request or a one-line refusal for a reason a parser can give.
    /// </summary>
    [Fact]
    public void Any_bytes_give_a_request_or_a_one_line_refusal()
    {
        var random = new Random(20261127);
        string[] words = ["stats", "health", "metrics", "reload", "drain", "undrain", "h13", " ", "\t", "\r", "\n", "é", "\u2028"];
        var results = new Dictionary<ControlResult, int>();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new List<byte>();
            var parts = random.Next(0, 6);
            for (var p = 0; p < parts; p++)
            {
                switch (random.Next(3))
                {
                    case 0: bytes.AddRange(Encoding.UTF8.GetBytes(words[random.Next(words.Length)])); break;
                    case 1: bytes.AddRange(Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(0x20, 0x7f))); break;
                    default: bytes.AddRange(Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256))); break;
                }
            }
            var line = bytes.ToArray();
            if (ControlRequestParser.TryParse(line, out var request, out var refusal))
            {
                Assert.True(Enum.IsDefined(request.Command), Convert.ToHexString(line));
                var takesName = request.Command is ControlCommand.Drain or ControlCommand.Undrain;
                Assert.Equal(takesName, request.Name is not null);
                if (request.Name is { } name) Assert.DoesNotContain(name, c => char.IsWhiteSpace(c) || char.IsControl(c));
                results[ControlResult.Served] = results.GetValueOrDefault(ControlResult.Served) + 1;
            }
            else
            {
                Assert.Contains(refusal.Reason, new[] { ControlResult.InvalidUtf8, ControlResult.Malformed, ControlResult.UnknownCommand, ControlResult.BadArgument });
                Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
                Assert.DoesNotContain(refusal.Message, c => char.IsControl(c));
                results[refusal.Reason] = results.GetValueOrDefault(refusal.Reason) + 1;
            }
        }
        // The inputs reach every outcome, so the properties above were checked on each.
        Assert.Equal(5, results.Count);
    }
}
