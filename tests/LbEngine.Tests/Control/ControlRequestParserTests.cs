using System.Text;
using Lb.Core.Flows;
using Lb.Core.Stats;
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

    [Theory]
    [InlineData("weight h13 3", "h13", 3)]
    [InlineData("weight\th14  0", "h14", 0)]
    [InlineData("weight h15 1000", "h15", 1000)]
    [InlineData("weight h15 007", "h15", 7)]
    public void Reads_weight_with_its_name_and_number(string line, string name, int weight)
    {
        Assert.True(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out var request, out var refusal), refusal?.Message);
        Assert.Equal(new ControlRequest(ControlCommand.Weight, name, weight), request);
    }

    [Theory]
    [InlineData("conns", ConnectionDumpLimits.Default)]
    [InlineData("conns 1", 1)]
    [InlineData("conns 10000", ConnectionDumpLimits.Max)]
    public void Reads_conns_with_its_limit_or_the_default(string line, int limit)
    {
        Assert.True(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out var request, out var refusal), refusal?.Message);
        Assert.Equal(new ControlRequest(ControlCommand.Conns, Number: limit), request);
    }

    [Fact]
    public void Reads_lookup_into_a_flow_key()
    {
        Assert.True(ControlRequestParser.TryParse("lookup udp 10.0.3.2:5353  20.0.0.1:53"u8, out var request, out var refusal), refusal?.Message);
        Assert.Equal(FlowKey.Create(Lb.Core.Addressing.Ipv4Address.Parse("10.0.3.2"), 5353, Lb.Core.Addressing.Ipv4Address.Parse("20.0.0.1"), 53, 17), request.Flow);
        Assert.Equal(ControlCommand.Lookup, request.Command);
    }

    /// <summary>Every bad argument of the new commands: a one-line bad_argument refusal that says what and how.</summary>
    [Theory]
    [InlineData("weight", "'weight' takes a DIP name and a weight, not 0 word(s); e.g. 'weight h13 3'")]
    [InlineData("weight h13", "'weight' takes a DIP name and a weight, not 1 word(s); e.g. 'weight h13 3'")]
    [InlineData("weight h13 3 4", "'weight' takes a DIP name and a weight, not 3 word(s); e.g. 'weight h13 3'")]
    [InlineData("weight h13 1001", "weight '1001' is not a whole number in 0..1000; e.g. 'weight h13 3'")]
    [InlineData("weight h13 -1", "weight '-1' is not a whole number in 0..1000; e.g. 'weight h13 3'")]
    [InlineData("weight h13 +3", "weight '+3' is not a whole number in 0..1000; e.g. 'weight h13 3'")]
    [InlineData("weight h13 3.5", "weight '3.5' is not a whole number in 0..1000; e.g. 'weight h13 3'")]
    [InlineData("weight h13 99999999999999999999", "weight '99999999999999999999' is not a whole number in 0..1000; e.g. 'weight h13 3'")]
    [InlineData("weight h13 ３", "weight '３' is not a whole number in 0..1000; e.g. 'weight h13 3'")]
    [InlineData("conns 0", "conns limit '0' is not a whole number in 1..10000; e.g. 'conns 100'")]
    [InlineData("conns 10001", "conns limit '10001' is not a whole number in 1..10000; e.g. 'conns 100'")]
    [InlineData("conns all", "conns limit 'all' is not a whole number in 1..10000; e.g. 'conns 100'")]
    [InlineData("conns 1 2", "'conns' takes at most a row limit, not 2 words; e.g. 'conns 100'")]
    [InlineData("lookup", "'lookup': a flow is 3 words, not 0: " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:1", "'lookup': a flow is 3 words, not 2: " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:1 20.0.0.1:80 x", "'lookup': a flow is 3 words, not 4: " + FlowQuery.Syntax)]
    [InlineData("lookup icmp 10.0.3.2:1 20.0.0.1:80", "'lookup': protocol 'icmp' is not tcp or udp: " + FlowQuery.Syntax)]
    [InlineData("lookup TCP 10.0.3.2:1 20.0.0.1:80", "'lookup': protocol 'TCP' is not tcp or udp: " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2 20.0.0.1:80", "'lookup': source '10.0.3.2' is not ADDRESS:PORT (an IPv4 address and a port): " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.256:1 20.0.0.1:80", "'lookup': source '10.0.3.256:1' is not ADDRESS:PORT (an IPv4 address and a port): " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:65536 20.0.0.1:80", "'lookup': source '10.0.3.2:65536' is not ADDRESS:PORT (an IPv4 address and a port): " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:-1 20.0.0.1:80", "'lookup': source '10.0.3.2:-1' is not ADDRESS:PORT (an IPv4 address and a port): " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:0 20.0.0.1:80", "'lookup': source port 0 is not a port a TCP or UDP flow uses: " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:1 20.0.0.1:", "'lookup': destination '20.0.0.1:' is not ADDRESS:PORT (an IPv4 address and a port): " + FlowQuery.Syntax)]
    [InlineData("lookup tcp 10.0.3.2:1 [::1]:80", "'lookup': destination '[::1]:80' is not ADDRESS:PORT (an IPv4 address and a port): " + FlowQuery.Syntax)]
    public void Bad_arguments_are_one_line_refusals(string line, string message)
    {
        Assert.False(ControlRequestParser.TryParse(Encoding.UTF8.GetBytes(line), out _, out var refusal));
        Assert.Equal(ControlResult.BadArgument, refusal.Reason);
        Assert.Equal(message, refusal.Message);
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
        string[] words = ["stats", "health", "metrics", "reload", "drain", "undrain", "weight", "conns", "lookup", "tcp", "udp", "10.0.3.2:40000",
            "20.0.0.1:80", "1:2", "3", "65536", "h13", " ", "\t", "\r", "\n", "é", "\u2028"];
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
                var takesName = request.Command is ControlCommand.Drain or ControlCommand.Undrain or ControlCommand.Weight;
                Assert.Equal(takesName, request.Name is not null);
                Assert.Equal(request.Command is ControlCommand.Weight or ControlCommand.Conns, request.Number is not null);
                Assert.Equal(request.Command is ControlCommand.Lookup, request.Flow is not null);
                if (request.Command == ControlCommand.Weight) Assert.InRange(request.Number!.Value, 0, 1000);
                if (request.Command == ControlCommand.Conns) Assert.InRange(request.Number!.Value, 1, ConnectionDumpLimits.Max);
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
