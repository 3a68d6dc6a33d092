-- The people a land release benefits, by sex and age (GICHD's minimum data requirements: women and men 18 or
-- older, girls and boys under 18), and how many of them live with a disability (within the four, not beside
-- them); all NULL where the release does not record them. And the use of the land once released.
ALTER TABLE land_release_version
    ADD COLUMN beneficiaries_women integer CHECK (beneficiaries_women >= 0),
    ADD COLUMN beneficiaries_girls integer CHECK (beneficiaries_girls >= 0),
    ADD COLUMN beneficiaries_boys  integer CHECK (beneficiaries_boys >= 0),
    ADD COLUMN beneficiaries_men   integer CHECK (beneficiaries_men >= 0),
    ADD COLUMN beneficiaries_with_disabilities integer CHECK (beneficiaries_with_disabilities >= 0),
    ADD COLUMN land_use_after text NOT NULL DEFAULT '',
    ADD CONSTRAINT land_release_beneficiaries_all_or_none CHECK (
        num_nulls(beneficiaries_women, beneficiaries_girls, beneficiaries_boys, beneficiaries_men,
                  beneficiaries_with_disabilities) IN (0, 5)),
    ADD CONSTRAINT land_release_beneficiaries_disabilities_within CHECK (
        beneficiaries_with_disabilities <= beneficiaries_women + beneficiaries_girls + beneficiaries_boys + beneficiaries_men);
