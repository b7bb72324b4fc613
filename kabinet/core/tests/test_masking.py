import pytest

from kabinet.core.masking import mask_person_name


@pytest.mark.parametrize(
    ("full_name", "masked"),
    [
        ("Муравьев Сергей Петрович", "Муравьев Сергей *****вич"),  # the manual's Fig. 5
        ("Иванова Анна Сергеевна", "Иванова Анна *****вна"),
        ("Гарипов Ильдар Рашид улы", "Гарипов Ильдар *****улы"),  # two-word patronymic
        ("Хайруллина Алия Ринат кызы", "Хайруллина Алия *****ызы"),
        ("  Муравьев   Сергей  Петрович ", "Муравьев Сергей *****вич"),
        ("Ли Вэй Чен", "Ли Вэй *****"),  # a patronymic of three letters is hidden whole
        ("Иванов Иван", "Иванов Иван"),
        ("Иванов", "Иванов"),
        ("", ""),
    ],
)
def test_it_masks_the_patronymic_except_its_ending(full_name, masked):
    assert mask_person_name(full_name) == masked


def test_the_mask_does_not_tell_the_length_of_the_patronymic():
    short = mask_person_name("Петров Петр Ильич")
    long = mask_person_name("Петров Петр Александрович")
    assert short.index("*") == long.index("*")
    assert short.count("*") == long.count("*") == 5


def test_none_is_an_empty_name():
    assert mask_person_name(None) == ""
