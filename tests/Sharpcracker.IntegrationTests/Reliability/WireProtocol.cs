namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>The client protocols the reliability tests speak to the proxy.</summary>
public enum WireProtocol
{
    /// <summary>memcached's text protocol (get/set).</summary>
    MemcachedText,

    /// <summary>memcached's binary protocol (GET/SET packets).</summary>
    MemcachedBinary,

    /// <summary>RESP (GET/SET).</summary>
    Redis,
}
