using System.Globalization;

namespace Sharpcracker.FanOut;

/// <summary>The command line of the pub/sub fan-out measurement (see Program).</summary>
internal sealed class FanOutOptions
{
    public int Port { get; private set; }
    public int Subscribers { get; private set; } = 1000;
    public int Messages { get; private set; } = 200;
    public int Rate { get; private set; } = 100;
    public int PayloadSize { get; private set; } = 64;
    public string Channel { get; private set; } = "fanout";
    public int? ProxyPid { get; private set; }
    /// <summary>Servers behind the proxy, asked for PUBSUB NUMSUB: the subscriptions they hold.</summary>
    public List<int> ServerPorts { get; } = [];

    public static FanOutOptions Parse(string[] args)
    {
        var o = new FanOutOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--port": o.Port = NextInt(); break;
                case "--subscribers": o.Subscribers = NextInt(); break;
                case "--messages": o.Messages = NextInt(); break;
                case "--rate": o.Rate = NextInt(); break;
                case "--size": o.PayloadSize = Math.Max(24, NextInt()); break;
                case "--channel": o.Channel = Next(); break;
                case "--proxy-pid": o.ProxyPid = NextInt(); break;
                case "--server-port": o.ServerPorts.Add(NextInt()); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (o.Port == 0)
        {
            throw new ArgumentException("--port is required");
        }
        return o;
    }
}
