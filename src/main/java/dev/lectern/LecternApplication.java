package dev.lectern;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Spring Boot web application: started by {@code ./lectern serve}, and by the integration tests. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class LecternApplication {
}
