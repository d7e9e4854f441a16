package dev.lectern.admin;

import java.nio.file.Path;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The hardware monitor reads the real NVIDIA driver (when installed) and Linux's {@code /proc}. */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

    @Bean
    HardwareMonitor hardwareMonitor() {
        return new HardwareMonitor(Nvml.LIBRARY, Path.of("/proc"));
    }
}
