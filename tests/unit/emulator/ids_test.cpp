#include "emulator/ids.hpp"

#include <gtest/gtest.h>

#include "core/encoding.hpp"

namespace gp::emulator {
namespace {

TEST(EmulatorIds, EncodesWebexStyleIds) {
  auto uuid = ParseUuid("6bf18547-2c39-4233-9820-022b01dc1095");
  ASSERT_TRUE(uuid);
  std::string id = EncodeId("PEOPLE", *uuid);
  EXPECT_EQ(id.find('='), std::string::npos);
  EXPECT_EQ(*Base64Decode(id), "ciscospark://us/PEOPLE/6bf18547-2c39-4233-9820-022b01dc1095");
  EXPECT_EQ(DecodeId("PEOPLE", id), uuid);
}

TEST(EmulatorIds, RoundTripsRandomUuids) {
  for (int i = 0; i < 100; ++i) {
    Uuid uuid = NewUuid();
    EXPECT_EQ(ToString(uuid)[14], '4');
    EXPECT_EQ(ParseUuid(ToString(uuid)), uuid);
    EXPECT_EQ(DecodeId("ROOM", EncodeId("ROOM", uuid)), uuid);
  }
}

TEST(EmulatorIds, RefusesOtherTypesAndGarbage) {
  Uuid uuid = NewUuid();
  EXPECT_FALSE(DecodeId("ROOM", EncodeId("PEOPLE", uuid)));
  EXPECT_FALSE(DecodeId("ROOM", ""));
  EXPECT_FALSE(DecodeId("ROOM", "not an id!"));
  EXPECT_FALSE(DecodeId("ROOM", Base64UrlEncode("ciscospark://us/ROOM/not-a-uuid")));
  EXPECT_FALSE(DecodeId("ROOM", Base64UrlEncode("ciscospark://us/ROOMS/" + ToString(uuid))));
  EXPECT_FALSE(DecodeId("ROOM", std::string(300, 'A')));
  EXPECT_FALSE(ParseUuid("6bf18547-2c39-4233-9820-022b01dc109"));
  EXPECT_FALSE(ParseUuid("6bf18547x2c39-4233-9820-022b01dc1095"));
}

TEST(EmulatorIds, MembershipIdsPairPersonAndRoom) {
  Uuid person = NewUuid();
  Uuid room = NewUuid();
  std::string id = EncodeMembershipId(person, room);
  EXPECT_EQ(*Base64Decode(id),
            "ciscospark://us/MEMBERSHIP/" + ToString(person) + ":" + ToString(room));
  auto decoded = DecodeMembershipId(id);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->first, person);
  EXPECT_EQ(decoded->second, room);
  EXPECT_FALSE(DecodeMembershipId(EncodeId("ROOM", room)));
}

}  // namespace
}  // namespace gp::emulator
