// Minimal launcher for a real single Elasticsearch node, used by elasticsearch.sh.
// It does what org.elasticsearch.bootstrap.Elasticsearch does after the server CLI
// has handed over its arguments (logging, environment, module loading, Node start),
// minus the CLI process, entitlement agent and native controllers.
// Usage: java ... EsNode <path.home> <config dir>
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class EsNode {
    public static void main(String[] args) {
        try {
            run(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath());
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1); // don't linger on non-daemon threads after a failed start
        }
    }

    private static void run(Path home, Path config) throws Exception {
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureESLogging(); // x-content (used to read elasticsearch.yml) logs
        Settings base = Settings.builder().put("path.home", home.toString()).build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(base, Map.of(), config, () -> "node-1");
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(env.settings()));
        LogConfigurator.configure(env, true); // config/log4j2.properties, console appender -> logs/es.log

        var modules = PluginsLoader.loadModulesBundles(env.modulesDir(), false); // false: not a stateless node
        var loader = PluginsLoader.createPluginsLoader(modules, Set.of(), Map.of());
        Node node = new Node(env, loader);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { // SIGTERM: graceful close, like the real bootstrap
            try {
                node.prepareForClose();
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "es-node-shutdown"));
        node.start();
        stopped.await(); // non-daemon main thread keeps the JVM alive until SIGTERM
    }
}
