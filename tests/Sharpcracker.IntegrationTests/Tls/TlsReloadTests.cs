using System.Security.Cryptography.X509Certificates;
using Sharpcracker.Configuration;

namespace Sharpcracker.IntegrationTests.Tls;

/// <summary>Certificate rotation: a reload re-reads the files; new connections get the new certificate, open ones carry on.</summary>
public sealed class TlsReloadTests(TestCertificates certs) : IClassFixture<TestCertificates>
{
    [Fact]
    public async Task Reload_SwapsTheCertificate_UnderLoad_WithoutClientErrors()
    {
        using var m1 = ExternalProcess.StartMemcached();
        using var m2 = ExternalProcess.StartMemcached();
        var dir = Directory.CreateTempSubdirectory("sc-tls-reload");
        try
        {
            var cert = Path.Combine(dir.FullName, "proxy.crt");
            var key = Path.Combine(dir.FullName, "proxy.key");
            File.Copy(certs.Cert("server"), cert);
            File.Copy(certs.Key("server"), key);
            var port = FreePort.Next();
            var conf = Path.Combine(dir.FullName, "nutcracker.yml");
            File.WriteAllText(conf, $"p:\n  listen: 127.0.0.1:{port}\n  tls_cert_file: proxy.crt\n  tls_key_file: proxy.key\n  servers:\n    - 127.0.0.1:{m1.Port}:1 a\n    - 127.0.0.1:{m2.Port}:1 b\n");
            await using var proxy = await TestProxy.StartAsync(File.ReadAllText(conf).Replace("proxy.", dir.FullName + "/proxy."), port);
            var oldThumbprint = Thumbprint(certs.Cert("server"));
            var newThumbprint = Thumbprint(certs.Cert("server2"));

            // Load: long-lived clients pipelining sets and gets, and short clients reconnecting all along.
            using var stop = new CancellationTokenSource();
            var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
            var longLived = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
            {
                await using var ssl = await certs.ConnectAsync(port);
                var rounds = 0;
                while (!stop.IsCancellationRequested || rounds < 5)
                {
                    var reply = await TestCertificates.CallAsync(ssl, $"set L{c} 0 0 4\r\n{rounds % 10000:0000}\r\nget L{c}\r\n", "END\r\n");
                    Assert.Equal($"STORED\r\nVALUE L{c} 0 4\r\n{rounds % 10000:0000}\r\nEND\r\n", reply);
                    rounds++;
                }
                return rounds;
            })).ToArray();
            var reconnecting = Task.Run(async () =>
            {
                var n = 0;
                while (!stop.IsCancellationRequested || n < 5)
                {
                    await using var ssl = await certs.ConnectAsync(port);
                    seen.Add(((X509Certificate2)ssl.RemoteCertificate!).Thumbprint);
                    Assert.Equal("END\r\n", await TestCertificates.CallAsync(ssl, $"get R{n}\r\n", "END\r\n"));
                    n++;
                }
                return n;
            });

            await Poll.UntilAsync(() => Task.FromResult(seen.Count >= 5 ? "" : null), TimeSpan.FromSeconds(30), "reconnecting clients under way");
            File.Copy(certs.Cert("server2"), cert, overwrite: true);
            File.Copy(certs.Key("server2"), key, overwrite: true);
            var changes = await proxy.Host.ApplyAsync(ConfigLoader.LoadFile(conf));
            Assert.Contains(changes, c => c.Contains("tls certificate", StringComparison.Ordinal));
            await Poll.UntilAsync(() => Task.FromResult(seen.Contains(newThumbprint) ? "" : null), TimeSpan.FromSeconds(30), "a new connection got the new certificate");
            var countAtNew = seen.Count;
            await Poll.UntilAsync(() => Task.FromResult(seen.Count >= countAtNew + 5 ? "" : null), TimeSpan.FromSeconds(30), "more connections after the swap");
            stop.Cancel();
            var rounds = await Task.WhenAll(longLived); // any client error would throw here
            await reconnecting;
            Assert.All(rounds, r => Assert.True(r >= 5));
            Assert.Contains(oldThumbprint, seen);
            Assert.Equal(0, proxy.Host.Pools.Single().Stats.ClientTls.Failures);
            Assert.Equal(0, proxy.Host.Pools.Single().Stats.ClientErrCount);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Thumbprint(string pemFile)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(pemFile);
        return collection[0].Thumbprint;
    }
}
