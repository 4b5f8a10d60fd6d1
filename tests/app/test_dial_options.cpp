// Option checks that need the file system: the password file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/dial_options.hpp"
#include "support/files.hpp"

using namespace ec20ppp;
using namespace ec20ppp::app;

TEST(DialOptions, PasswordFileReadableByOthersIsRefused) {
    testsupport::TempDir dir("ec20ppp-opts");
    auto file = dir.path / "pw";
    testsupport::write_file(file, "s3cret\n");
    ::chmod(file.c_str(), 0644);
    DialOptions o;
    o.apn = "3gnet";
    o.password_file = file;
    auto error = finish_dial_options(o, nullptr);
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("chmod 600"), std::string::npos) << *error;
    ::chmod(file.c_str(), 0600);
    EXPECT_FALSE(finish_dial_options(o, nullptr).has_value());
    EXPECT_EQ(o.password, "s3cret");  // first line, newline stripped
}

TEST(DialOptions, PasswordComesFromTheEnvironmentWhenNoFileIsGiven) {
    DialOptions o;
    o.apn = "3gnet";
    EXPECT_FALSE(finish_dial_options(o, "from-env").has_value());
    EXPECT_EQ(o.password, "from-env");
    DialOptions d;
    d.apn = "3gnet";
    EXPECT_FALSE(finish_dial_options(d, nullptr).has_value());
    EXPECT_EQ(d.password, "passwd");  // quectel-pppd.sh's default
}
