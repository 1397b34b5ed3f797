namespace Sharpcracker.Configuration;

/// <summary>An invalid configuration; the message names the file, the pool, the key and the problem.</summary>
public sealed class ConfigException(string message) : Exception(message);
