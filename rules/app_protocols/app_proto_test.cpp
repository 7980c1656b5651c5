#include "rules/app_protocols/app_proto.hpp"

#include <gtest/gtest.h>

namespace torwart::app_protocols {
namespace {

TEST(AppProto, NamesRoundTripAndOnlyIdentifiedOnesAreMarkedSo) {
  for (unsigned i = 1; i < static_cast<unsigned>(AppProto::kCount); ++i) {
    const auto proto = static_cast<AppProto>(i);
    const auto back = app_proto_from_name(app_proto_name(proto));
    ASSERT_TRUE(back.has_value()) << i;
    EXPECT_EQ(*back, proto);
  }
  EXPECT_FALSE(app_proto_from_name("").has_value());
  EXPECT_FALSE(app_proto_from_name("HTTP").has_value());  // Suricata's names are lower case
  EXPECT_TRUE(identified_by_torwart(AppProto::kTls));
  EXPECT_FALSE(identified_by_torwart(AppProto::kSsh));
  EXPECT_EQ(app_proto_name(AppProto::kNone), "");
}

TEST(AppProto, WellKnownServicesAreByTransport) {
  EXPECT_EQ(well_known_service(6, 443), AppProto::kTls);
  EXPECT_EQ(well_known_service(17, 443), AppProto::kQuic);
  EXPECT_EQ(well_known_service(17, 53), AppProto::kDns);
  EXPECT_EQ(well_known_service(6, 80), AppProto::kHttp);
  EXPECT_EQ(well_known_service(6, 5555), AppProto::kNone);
}

}  // namespace
}  // namespace torwart::app_protocols
